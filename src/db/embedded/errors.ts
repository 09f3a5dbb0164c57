import { OperatorError } from '../../operator-error.ts';

/**
 * The embedded database could not be started: the message is one line naming the cause and
 * the fix, printed as it is by the CLI (no stack trace: an operator can act on it directly).
 */
export class EmbeddedDatabaseError extends OperatorError {}
