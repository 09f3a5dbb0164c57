/**
 * What openapi-document.ts adds to the generated document: the component names of the bodies,
 * the descriptions and examples of responses every operation shares, and the media types of the
 * streams, which no JSON route schema can express.
 */
type Json = any;

/** Per operationId: the component name of its JSON request body and of each success response. */
export const COMPONENT_NAMES: Record<string, Record<string, string>> = {
  register: { request: 'RegisterRequest', 201: 'Registered' },
  login: { request: 'LoginRequest', 200: 'LoginResult' },
  changePassword: { request: 'ChangePasswordRequest' },
  me: { 200: 'Me' },
  verifyNationalId: { request: 'VerifyNationalIdRequest', 200: 'NationalIdVerified' },
  grantRole: { request: 'GrantRoleRequest' },
  importUsers: { 202: 'ImportJobAccepted' },
  getJob: { 200: 'ImportJob' },
  requestEmailVerification: { 202: 'EmailVerificationSent' },
  verifyEmail: { request: 'VerifyEmailRequest', 200: 'EmailVerified' },
  createPoll: { request: 'CreatePollRequest', 201: 'CreatedPoll' },
  getPoll: { 200: 'Poll' },
  listPolls: { 200: 'PollPage' },
  openPoll: { 200: 'OpenPollResult' },
  closePoll: { 200: 'ClosePollResult' },
  issueVoteTokens: { request: 'IssueVoteTokensRequest', 201: 'VoteTokens' },
  castBallot: { request: 'Ballot', 201: 'BallotReceipt' },
  changeBallot: { request: 'Ballot', 200: 'BallotReceipt' },
  getMyBallot: { 200: 'MyBallot' },
  getResults: { 200: 'Results' },
  getAnalytics: { 200: 'PollAnalytics' },
  listFlags: { 200: 'FlagPage' },
  flagBallot: { request: 'FlagBallotRequest', 201: 'FlagCreated' },
  reviewFlag: { request: 'ReviewFlagRequest', 200: 'FlagReviewed' },
  getChallenge: { 200: 'Challenge' },
  listAuditEvents: { 200: 'AuditEventPage' },
  verifyPoll: { 200: 'VerifyReport' },
  checkReceipt: { 200: 'ReceiptStatus' },
  getAuditPublicKey: { 200: 'AuditPublicKey' },
  live: { 200: 'Liveness' },
  ready: { 200: 'Readiness', 503: 'Readiness' },
};

/** Parts of a named component that are components of their own: [JSON path inside it, name]. */
export const NESTED_COMPONENTS: Record<string, ReadonlyArray<readonly [readonly string[], string]>> = {
  CreatePollRequest: [[['properties', 'questions', 'items'], 'QuestionInput'], [['properties', 'settings'], 'PollSettingsInput']],
  Poll: [[['properties', 'questions', 'items'], 'Question'], [['properties', 'settings'], 'PollSettings']],
  Question: [[['properties', 'options', 'items'], 'Option']],
  PollPage: [[['properties', 'items', 'items'], 'PollSummary']],
  Ballot: [[['properties', 'answers', 'items'], 'Answer']],
  MyBallot: [[['properties', 'answers', 'items'], 'Answer']],
  Results: [[['properties', 'questions', 'items'], 'QuestionResult']],
  QuestionResult: [[['properties', 'options', 'items'], 'OptionResult'], [['properties', 'rounds', 'items'], 'Round']],
  PollAnalytics: [[['properties', 'questions', 'items'], 'QuestionDropOff'], [['properties', 'countryData'], 'CountryData']],
  FlagPage: [[['properties', 'items', 'items'], 'Flag']],
  AuditEventPage: [[['properties', 'items', 'items'], 'AuditEvent']],
  VerifyReport: [[['properties', 'problems', 'items'], 'VerifyProblem']],
};

/** Every error response is RFC 9457 problem details (`Problem`); what each status means here. */
export const STATUS_DESCRIPTIONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted (carried out in the background)',
  204: 'Done; no body',
  400: 'Bad request: the input does not match the schema (problem details with the `field` at fault)',
  401: 'Unauthenticated: no bearer token, or one that is expired or revoked',
  403: "Forbidden: the caller's roles or the poll's rules do not allow it (the `code` says which)",
  404: 'Not found (or a draft the caller may not see)',
  409: 'Conflict with the current state, e.g. already-voted or poll-not-active (the `code` says which)',
  413: 'The body is larger than allowed',
  415: 'Unsupported media type',
  422: 'The input is well formed but not acceptable (the `code` and `field` say why)',
  426: 'Upgrade required: open this URL as a websocket',
  428: 'A proof-of-work challenge must be solved first (GET /api/challenge)',
  429: 'Too many requests: slow down (see Retry-After)',
  503: 'Temporarily unavailable: nothing was done, retry (see Retry-After)',
};

const PROBLEM_CODES: Record<number, [string, string]> = {
  400: ['request.invalid', 'body/answers must NOT have fewer than 1 items'],
  401: ['auth.required', 'a valid bearer token is required'],
  403: ['auth.role-required', 'this operation needs a role the caller does not have'],
  404: ['poll.not-found', 'poll 3f9a1c52-8d4e-4b1a-9c7e-2a5b6c7d8e9f does not exist'],
  409: ['ballot.already-cast', 'this voter has already voted in this poll'],
  413: ['request.body-too-large', 'the body is larger than allowed'],
  415: ['request.unsupported-media-type', 'send text/csv or application/x-ndjson'],
  422: ['ballot.unknown-option', 'answers[0]: the option does not belong to the question'],
  426: ['live.upgrade-required', 'open this URL as a websocket'],
  428: ['fraud.challenge-required', 'solve a GET /api/challenge puzzle and send it as `challenge`'],
  429: ['rate-limit.exceeded', 'too many requests; retry in 30 s'],
  503: ['projection.timeout', 'the read models did not catch up in time; nothing was lost, retry'],
};

export const PROBLEM_EXAMPLES = (status: number): Json => {
  const [code, detail] = PROBLEM_CODES[status] ?? ['error', 'see the code'];
  return { type: `https://pollster.dev/problems/${code}`, title: STATUS_DESCRIPTIONS[status]?.split(':')[0] ?? 'Error', status, detail, code };
};

const Position = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'log position ($all)' };

/** Media types no JSON route schema can express: server-sent events, the websocket, the import upload. */
export const STREAM_CONTENT: { components: Record<string, Json>; operations: Record<string, { requestBody?: Json; responses?: Record<string, Json> }> } = {
  components: {
    LiveFrame: {
      type: 'object',
      description: 'One frame of liveResults (a websocket text message) and of liveResultsSse (the `data:` line of an event whose name is `type` and whose id is `position`)',
      required: ['type', 'position', 'results'],
      properties: {
        type: { enum: ['snapshot', 'results'], description: 'snapshot: the first frame (the results as they stand); results: after a change' },
        position: Position,
        results: { $ref: '#/components/schemas/Results' },
      },
    },
    ImportUserRow: {
      type: 'object',
      description: 'One account of an importUsers upload: a CSV row (header `email,displayName,nationalId,password`) or one JSON line',
      required: ['email', 'displayName'],
      properties: {
        email: { type: 'string', format: 'email' },
        displayName: { type: 'string', minLength: 1 },
        nationalId: { type: 'string', description: 'optional; verified against the national registry' },
        password: { type: 'string', description: 'optional; without one the account gets a one-time setup token (getJobSetupTokens)' },
      },
    },
  },
  operations: {
    liveResultsSse: {
      responses: {
        200: {
          description: 'An event stream (never ends while the client listens): a `retry:` hint, then `event: snapshot`, then `event: results`; '
            + 'each with `id: <position>` and `data: <LiveFrame as JSON>` on one line; `:` comment lines keep it alive',
          content: {
            'text/event-stream': {
              schema: { type: 'string', description: 'server-sent events whose data lines are LiveFrame JSON', 'x-event-data': { $ref: '#/components/schemas/LiveFrame' } },
              example: 'event: snapshot\nid: 26843545601\ndata: {"type":"snapshot","position":26843545601,"results":{"pollId":"3f9a1c52-8d4e-4b1a-9c7e-2a5b6c7d8e9f","status":"active","totalBallots":1,"flaggedPending":0,"position":26843545601,"questions":[]}}\n\n',
            },
          },
        },
      },
    },
    liveResults: {
      responses: {
        101: { description: 'Switching protocols: the websocket is open; each text message is a LiveFrame (JSON), a snapshot first' },
      },
    },
    importUsers: {
      requestBody: {
        required: true,
        description: 'The accounts to create, one ImportUserRow per line: CSV with a header row, or JSON lines',
        content: {
          'text/csv': {
            schema: { type: 'string', description: 'CSV, UTF-8, a header row naming the ImportUserRow fields, then one row per account', 'x-row': { $ref: '#/components/schemas/ImportUserRow' } },
            example: 'email,displayName,nationalId,password\nada@example.org,Ada Lovelace,,\nbob@example.org,Bob,19850312005,a long enough password\n',
          },
          'application/x-ndjson': {
            schema: { type: 'string', description: 'one ImportUserRow JSON object per line', 'x-row': { $ref: '#/components/schemas/ImportUserRow' } },
            example: '{"email":"ada@example.org","displayName":"Ada Lovelace"}\n{"email":"bob@example.org","displayName":"Bob","password":"a long enough password"}\n',
          },
          'application/jsonl': {
            schema: { type: 'string', description: 'the same as application/x-ndjson', 'x-row': { $ref: '#/components/schemas/ImportUserRow' } },
            example: '{"email":"ada@example.org","displayName":"Ada Lovelace"}\n',
          },
        },
      },
    },
  },
};
