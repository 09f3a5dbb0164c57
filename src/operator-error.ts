/**
 * A failure the operator can fix (bad configuration, a port or folder in use, a database that
 * cannot start): its message is one line naming the cause and the fix, and the CLI prints it
 * as it is, without a stack trace, and exits 1.
 */
export class OperatorError extends Error {}
