import { expect } from 'vitest';
import type { Decider } from '../domain/shared/decider.ts';
import { PollsterError } from '../domain/shared/errors.ts';

/**
 * Given/when/then for pure deciders, shared by every `*.unit.spec.ts` in src/domain:
 *
 *   spec.given([pollCreated]).when(openPoll).then([pollOpened]);
 *   spec.given([]).when(openPoll).thenThrows(NotFoundError, 'poll.not-found');
 *
 * It also guards the two promises every decider makes: it never mutates what it is given (the
 * events and state are deep-frozen, so a mutation throws) and what it returns survives a JSON
 * round trip unchanged (events are stored as JSON).
 */
type ErrorClass = abstract new (...args: never[]) => PollsterError;

export interface WhenStep<Ev> {
  then(expected: readonly Ev[]): void;
  /** The command is accepted but changes nothing (idempotent repeats). */
  thenNothingHappens(): void;
  thenThrows(errorClass: ErrorClass, code: string, field?: string): void;
}

export function deciderSpec<Command, Ev, State>(decider: Decider<Command, Ev, State>) {
  return {
    given(events: readonly Ev[]) {
      return {
        when(command: Command): WhenStep<Ev> {
          const run = (): Ev[] => {
            const frozen = events.map((e) => deepFreeze(structuredClone(e)));
            const state = deepFreeze(frozen.reduce(decider.evolve, decider.initialState()));
            return decider.decide(command, state);
          };
          return {
            then(expected) {
              const produced = run();
              expect(produced).toEqual(expected);
              expect(JSON.parse(JSON.stringify(produced))).toStrictEqual(stripUndefined(produced));
            },
            thenNothingHappens() {
              expect(run()).toEqual([]);
            },
            thenThrows(errorClass, code, field) {
              let caught: unknown;
              try {
                run();
              } catch (error) {
                caught = error;
              }
              expect(caught, 'expected the command to be rejected').toBeInstanceOf(errorClass);
              expect(caught).toBeInstanceOf(PollsterError);
              const error = caught as PollsterError;
              expect({ code: error.code, field: error.field }).toEqual({ code, field });
            },
          };
        },
      };
    },
    /** The state after folding events: for rules that are pure helpers rather than commands. */
    stateAfter(events: readonly Ev[]): State {
      return events.reduce(decider.evolve, decider.initialState());
    },
  };
}

/** Freezes an object graph so a decider that mutates its input fails loudly in tests. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** JSON drops undefined properties; compare against the value as JSON would keep it. */
function stripUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
