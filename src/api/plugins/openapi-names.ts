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
  401: ['auth.invalid-token', 'a valid bearer token is required'],
  403: ['auth.role-required', 'this operation needs a role the caller does not have'],
  404: ['poll.not-found', 'poll 3f9a1c52-8d4e-4b1a-9c7e-2a5b6c7d8e9f does not exist'],
  409: ['already-voted', 'this voter has already voted in this poll'],
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

const ANALYTICS_CSV_EXAMPLE = [
  'section,key,label,value,shown,rate',
  'summary,pollId,3f9a1c52-8d4e-4b1a-9c7e-2a5b6c7d8e9f,,,',
  'summary,title,Lunch,,,',
  'summary,bucket,hour,,,',
  'summary,totalBallots,,4,,',
  'summary,uniqueVoters,,4,,',
  'summary,completionRate,,0.875,,',
  'summary,avgResponseSeconds,,26,,',
  'summary,medianResponseSeconds,,26,,',
  'summary,p90ResponseSeconds,,37.2,,',
  'summary,timedBallots,,2,,',
  'summary,countryDataSource,@ip-location-db/geo-whois-asn-country-mmdb (ipinfo-country),,,',
  'summary,countryDataBuiltAt,2026-06-17T00:00:00.000Z,,,',
  'timeSeries,2030-03-01T09:00:00.000Z,,3,,',
  'timeSeries,2030-03-01T10:00:00.000Z,,1,,',
  'device,desktop,,3,,',
  'device,mobile,,1,,',
  'country,GB,,1,,',
  'country,US,,3,,',
  'question,5b1e0f3a-2c4d-4e6f-8a9b-0c1d2e3f4a5b,Where?,4,4,1',
  'question,6c2f1a4b-3d5e-4f70-9b0c-1d2e3f4a5b6c,"\'=HYPERLINK(""http://x"")",3,4,0.75',
  '',
].join('\r\n');

/** Media types no JSON route schema can express: server-sent events, the websocket, the import upload, the analytics CSV. */
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
    AnalyticsCsvRow: {
      type: 'object',
      description: 'One row of exportAnalyticsCsv (header `section,key,label,value,shown,rate`). `section` says what the row is: '
        + '`summary` (one figure; `key` names it: pollId, title, bucket, countryDataSource and countryDataBuiltAt in `label`, '
        + 'the numbers of getAnalytics in `value`), `timeSeries` (`key` the bucket start, ISO UTC; `value` ballots), `device` and '
        + '`country` (`key` the class or code; `value` ballots), `question` (`key` the questionId, `label` its text, `value` answered, '
        + '`shown`, `rate` answered/shown). Text sits in `label` only; `value`, `shown` and `rate` are numbers or empty (no figure yet)',
      required: ['section', 'key', 'label', 'value', 'shown', 'rate'],
      properties: {
        section: { enum: ['summary', 'timeSeries', 'device', 'country', 'question'] },
        key: { type: 'string' },
        label: { type: 'string', description: "text: the poll title, a question's text, an id; a cell a spreadsheet would run as a formula starts with `'`" },
        value: { type: 'string', description: 'a number, or empty' },
        shown: { type: 'string', description: 'question rows: counted ballots shown the question' },
        rate: { type: 'string', description: 'question rows: answered / shown (1 - rate is the drop-off); empty without ballots' },
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
    exportAnalyticsCsv: {
      responses: {
        200: {
          description: "The poll's analytics as one CSV table (RFC 4180, UTF-8 with a byte order mark, CRLF line ends), "
            + 'sent as an attachment: a header row, then AnalyticsCsvRow rows: summary, timeSeries, device, country, question',
          content: {
            'text/csv': {
              schema: { type: 'string', description: 'CSV whose rows are AnalyticsCsvRow', 'x-row': { $ref: '#/components/schemas/AnalyticsCsvRow' } },
              example: ANALYTICS_CSV_EXAMPLE,
            },
          },
        },
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
