import type { QuestionInput, PollSettingsInput } from '../../domain/poll/commands.ts';
import { pollDecider } from '../../domain/poll/decider.ts';
import type { PollDefinition } from '../../domain/poll/definition.ts';
import { pollStream } from '../../domain/shared/streams.ts';
import { literalHostRefusal, webhookTargets } from '../../adapters/webhook-targets.ts';
import { ValidationError } from '../../domain/shared/errors.ts';
import type { CommandDeps } from '../command-deps.ts';
import { credentialKeyFor } from '../credentials/poll-credential-key.ts';
import { handleCommand, mintId, type CommandContext } from '../handle-command.ts';

export interface CreatePollInput {
  title: string;
  description?: string | null;
  questions: ReadonlyArray<Omit<QuestionInput, 'questionId' | 'options'> & { options?: ReadonlyArray<{ text: string; imageUrl?: string | null }> }>;
  settings: PollSettingsInput;
}

/**
 * The handler mints every id (poll, questions, options) and a readable, unique slug. With a
 * command id they derive from it, so a retried request lands on the same stream and finds its
 * first PollCreated there (the first answer, as for every other command) instead of minting a
 * second poll whose event ids the store refuses as taken.
 */
export async function createPoll(
  deps: CommandDeps,
  organizerId: string,
  input: CreatePollInput,
  context: CommandContext,
): Promise<{ poll: PollDefinition; position: bigint }> {
  const webhook = input.settings.milestoneWebhookUrl;
  const refusal = typeof webhook === 'string' && URL.canParse(webhook) ? literalHostRefusal(deps.webhookTargets ?? webhookTargets(), webhook) : undefined;
  if (refusal) throw new ValidationError('poll.webhook-target-refused', `milestoneWebhookUrl: ${refusal}`, { field: 'settings.milestoneWebhookUrl' });
  const pollId = mintId(context, 'pollId', deps.newId);
  const questions: QuestionInput[] = input.questions.map(({ options, ...question }, q) => ({
    ...question,
    questionId: mintId(context, `question:${q}`, deps.newId),
    ...(options ? { options: options.map((o, i) => ({ ...o, optionId: mintId(context, `option:${q}:${i}`, deps.newId) })) } : {}),
  }));
  const now = deps.now();
  const credentialKey = await credentialKeyFor(deps, pollId, input.settings, now);
  const { events, appended } = await handleCommand(
    deps.store,
    pollDecider,
    pollStream(pollId),
    {
      type: 'CreatePoll',
      data: {
        pollId,
        slug: slugFor(input.title, pollId),
        organizerId,
        title: input.title,
        description: input.description ?? null,
        questions,
        settings: input.settings,
        now,
        ...(deps.voterKeyId ? { voterKeyId: deps.voterKeyId } : {}),
        ...(credentialKey ? { credentialKey } : {}),
      },
    },
    context,
  );
  const created = events.find((e) => e.type === 'PollCreated');
  if (!created || !appended) throw new Error('CreatePoll appended no PollCreated');
  return { poll: created.data, position: appended.position };
}

/** `lunch-on-friday-3f9a1c`: words of the title for people, a piece of the id for uniqueness. */
function slugFor(title: string, pollId: string): string {
  const words = title
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/g, '');
  const suffix = pollId.replaceAll('-', '').slice(0, 6);
  return words ? `${words}-${suffix}` : `poll-${suffix}`;
}
