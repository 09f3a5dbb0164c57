/** Pure decide and evolve: the command handler is generic over this, so an aggregate never does I/O. */
export interface Decider<Command, Ev, State> {
  decide(command: Command, state: State): Ev[];
  evolve(state: State, event: Ev): State;
  initialState(): State;
}

/**
 * An event as stored: `type` equals the TypeScript type name and `data` is plain JSON (ISO strings
 * for times, no Date, no bigint), because the log keeps it as JSON and replays it years later.
 */
export type DomainEvent<Type extends string, Data extends object> = Readonly<{
  type: Type;
  data: Readonly<Data>;
}>;

/** Commands mirror events so the handler can log and route both the same way. */
export type DomainCommand<Type extends string, Data extends object> = Readonly<{
  type: Type;
  data: Readonly<Data>;
}>;

/**
 * Closes every switch over a union: a new variant makes the call fail to compile. At runtime it is
 * reached only through a bug (a value built outside the types), so it throws a plain Error, which
 * the API reports as a 500 rather than as the caller's fault.
 */
export function assertNever(value: never, what: string): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
