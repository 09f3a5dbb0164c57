import Type from 'typebox';
import { FRAUD_CHECK_UNAVAILABLE, POLL_LIMITS, QUESTION_KINDS, VISIBILITIES, VOTER_POLICIES } from '../../domain/poll/definition.ts';
import { Uuid } from './common.ts';
import { ANONYMITY, CREDENTIAL_SUITE } from '../../domain/poll/credential-key.ts';

/** Request and response shapes of the poll operations (API.md, "Polls"). */
const QuestionInput = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: POLL_LIMITS.questionTextMaxLength }),
    kind: Type.Enum(QUESTION_KINDS),
    maxChoices: Type.Optional(Type.Integer({ minimum: 1, description: 'multiple only' })),
    options: Type.Optional(
      Type.Array(
        Type.Object(
          {
            text: Type.String({ minLength: 1, maxLength: POLL_LIMITS.optionTextMaxLength }),
            imageUrl: Type.Optional(
              Type.String({ pattern: '^[Hh][Tt][Tt][Pp][Ss]?://', maxLength: 2000, description: 'a picture shown with the option: an http:// or https:// URL' }),
            ),
          },
          { additionalProperties: false },
        ),
        {
          maxItems: POLL_LIMITS.maxOptions,
          description: 'single, multiple, ranked: 2..50 options',
        },
      ),
    ),
    scale: Type.Optional(
      Type.Object({ min: Type.Integer(), max: Type.Integer() }, { additionalProperties: false, description: 'rating only' }),
    ),
  },
  { additionalProperties: false },
);

const Time = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

const FraudCheckUnavailable = Type.Enum(FRAUD_CHECK_UNAVAILABLE, {
  description: 'when the fraud check cannot run (Redis unreachable or too slow): `accept` the ballot unchecked '
    + '(the default), or `refuse` it with 503 `fraud.check-unavailable`, writing nothing',
});

const Anonymity = Type.Enum(ANONYMITY, {
  description: 'anonymous polls of account or verified voters: `pseudonymous` (the default: a keyed hash of the account) or `blind` '
    + '(each voter obtains one blind-signed credential, POST /api/polls/{pollId}/credentials, and casts with it, unauthenticated: '
    + 'the server cannot tell whose ballot it is); only `blind` is shown on the poll',
});

const CredentialKeyView = Type.Object({
  suite: Type.Literal(CREDENTIAL_SUITE),
  publicKey: Type.String({ description: 'base64url DER SubjectPublicKeyInfo; also recorded in the poll\'s PollCreated event' }),
  fingerprint: Type.String({ description: 'sha256 hex of the DER public key: compare it with what others see before blinding' }),
}, { description: 'blind polls: the RSA key (RFC 9474) ballot credentials are signed and verified with' });

const MaxVoteTokens = Type.Integer({
  minimum: 1,
  maximum: POLL_LIMITS.maxVoteTokens,
  description: 'token polls only: the most vote tokens the poll may issue (the server\'s VOTE_TOKENS_MAX_PER_POLL bounds it too); '
    + 'an issuance past it is 422 `poll.vote-token-limit`. Unset: the server\'s bound alone',
});

const SettingsInput = Type.Object(
  {
    voterPolicy: Type.Optional(Type.Enum(VOTER_POLICIES)),
    anonymous: Type.Optional(Type.Boolean()),
    allowChangeVote: Type.Optional(Type.Boolean()),
    visibility: Type.Optional(Type.Enum(VISIBILITIES)),
    showResultsBeforeClose: Type.Optional(Type.Boolean()),
    startsAt: Type.Optional(Time),
    endsAt: Type.Optional(Time),
    fraudVelocityLimit: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
    fraudVelocityWindowSeconds: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    fraudCheckUnavailable: Type.Optional(Type.Union([FraudCheckUnavailable, Type.Null()])),
    anonymity: Type.Optional(Type.Union([Anonymity, Type.Null()])),
    // No null: with type coercion on, a 0 would pass as null, i.e. as "no maximum".
    maxVoteTokens: Type.Optional(MaxVoteTokens),
    // Write-only: not in PollView, because a webhook URL often carries the organizer's secret token.
    milestoneWebhookUrl: Type.Optional(
      Type.Union([
        Type.String({ pattern: '^https?://', maxLength: 2000, description: 'POSTed to at 100, 1,000, 10,000 and 100,000 ballots' }),
        Type.Null(),
      ]),
    ),
  },
  { additionalProperties: false, description: 'every setting is optional; defaults: account, not anonymous, no change, public, results shown, no window, server fraud limits, unchecked ballots accepted' },
);

export const CreatePollBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: POLL_LIMITS.titleMaxLength }),
    description: Type.Optional(Type.Union([Type.String({ maxLength: POLL_LIMITS.descriptionMaxLength }), Type.Null()])),
    questions: Type.Array(QuestionInput, { minItems: POLL_LIMITS.minQuestions, maxItems: POLL_LIMITS.maxQuestions }),
    settings: Type.Optional(SettingsInput),
  },
  {
    additionalProperties: false,
    examples: [
      {
        title: 'Lunch',
        questions: [
          { text: 'Where?', kind: 'single', options: [{ text: 'Pizza' }, { text: 'Sushi' }] },
          { text: 'Rate the venue', kind: 'rating', scale: { min: 1, max: 5 } },
        ],
        settings: { voterPolicy: 'account', allowChangeVote: false, visibility: 'public' },
      },
    ],
  },
);

/** A poll's join code: 6-8 digits, held while the poll is active (the vote page is `/v/<code>`, the join page `/j`). */
export const JoinCode = Type.String({ pattern: '^[1-9][0-9]{5,7}$', description: 'what voters type at /j to reach the vote page; held while the poll is active, released at close' });

export const PollStatus = Type.Enum(['draft', 'active', 'closed']);

export const CreatedPoll = Type.Object({ pollId: Uuid, slug: Type.String(), status: Type.Literal('draft') });

const Option = Type.Object({ optionId: Uuid, text: Type.String(), imageUrl: Type.Optional(Type.String()) });

export const PollView = Type.Object({
  pollId: Uuid,
  slug: Type.String(),
  organizerId: Uuid,
  title: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  status: PollStatus,
  questions: Type.Array(
    Type.Object({
      questionId: Uuid,
      text: Type.String(),
      kind: Type.Enum(QUESTION_KINDS),
      maxChoices: Type.Optional(Type.Integer()),
      options: Type.Optional(Type.Array(Option)),
      scale: Type.Optional(Type.Object({ min: Type.Integer(), max: Type.Integer() })),
    }),
  ),
  settings: Type.Object({
    voterPolicy: Type.Enum(VOTER_POLICIES),
    anonymous: Type.Boolean(),
    allowChangeVote: Type.Boolean(),
    visibility: Type.Enum(VISIBILITIES),
    showResultsBeforeClose: Type.Boolean(),
    startsAt: Time,
    endsAt: Time,
    fraudVelocityLimit: Type.Union([Type.Integer(), Type.Null()]),
    fraudVelocityWindowSeconds: Type.Union([Type.Integer(), Type.Null()]),
    fraudCheckUnavailable: FraudCheckUnavailable,
    anonymity: Type.Optional(Anonymity),
    maxVoteTokens: Type.Optional(MaxVoteTokens),
  }),
  credentialKey: Type.Optional(CredentialKeyView),
  createdAt: Type.String({ format: 'date-time' }),
  openedAt: Type.Optional(Type.String({ format: 'date-time' })),
  joinCode: Type.Optional(JoinCode),
  closedAt: Type.Optional(Type.String({ format: 'date-time' })),
});

export const PollIdParams = Type.Object({ pollId: Uuid });

export const IssueTokensBody = Type.Object(
  { count: Type.Integer({ minimum: 1, maximum: 10_000, description: 'tokens to issue now; a poll holds at most its settings.maxVoteTokens, and never more than the server\'s VOTE_TOKENS_MAX_PER_POLL (default 1,000,000)' }) },
  { additionalProperties: false, examples: [{ count: 100 }] },
);
