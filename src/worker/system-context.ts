import { v5 as uuidv5 } from 'uuid';
import type { CommandContext } from '../commands/handle-command.ts';

// Namespace of the command ids of background jobs (uuid v5), fixed forever.
const JOB_COMMAND_NAMESPACE = '7c0a3f52-94d1-5b6e-8f27-3d4e5a6b7c8d';

/**
 * The context of a command a background job sends: actor `system` and a command id derived from
 * what the command is about (`<pollId>:close`), so a job that runs twice (a retry, two workers
 * during a lease hand-over) sends the same command and the handler recognises the repeat.
 */
export function systemContext(job: string, subject: string): CommandContext {
  const commandId = uuidv5(`${job}:${subject}`, JOB_COMMAND_NAMESPACE);
  return { actor: 'system', correlationId: commandId, commandId };
}
