/**
 * The error hierarchy every layer speaks. Each error has a stable `code` (clients and tests match
 * on it) and a `kind` that the API maps to an HTTP status in exactly one place. The domain throws
 * nothing else; adapters translate driver errors into these.
 */
export type ErrorKind =
  | 'validation' // 422
  | 'unauthenticated' // 401
  | 'forbidden' // 403
  | 'not-found' // 404
  | 'conflict' // 409
  | 'precondition-required' // 428
  | 'too-many-requests' // 429
  | 'unavailable'; // 503

export abstract class PollsterError extends Error {
  abstract readonly kind: ErrorKind;
  readonly code: string;
  /** JSON path of the input field at fault, e.g. `questions[1].options`. */
  readonly field: string | undefined;

  constructor(code: string, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.field = options.field;
  }
}

export class ValidationError extends PollsterError {
  readonly kind = 'validation';
}

export class UnauthenticatedError extends PollsterError {
  readonly kind = 'unauthenticated';
}

export class ForbiddenError extends PollsterError {
  readonly kind = 'forbidden';
}

export class NotFoundError extends PollsterError {
  readonly kind = 'not-found';
}

/** Business conflicts: already voted, poll not active, flag already decided. */
export class ConflictError extends PollsterError {
  readonly kind = 'conflict';
}

export class PreconditionRequiredError extends PollsterError {
  readonly kind = 'precondition-required';
}

export class UnavailableError extends PollsterError {
  readonly kind = 'unavailable';
}

/**
 * Makes an error without capturing a stack trace, for refusals a flood can draw by the thousand a
 * second (a challenge, a full line, a rate limit): they are expected, nobody reads their stack,
 * and capturing one was a tenth to a quarter of what such a request cost.
 */
export function withoutStack<E extends Error>(make: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
