import { assertNever, type Decider, type DomainCommand, type DomainEvent } from '../shared/decider.ts';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.ts';
import type { Instant } from '../shared/time.ts';
import { toIso } from '../shared/time.ts';

/**
 * A poll's join code (6-8 digits) is reserved in a stream of its own, `joincode-<code>`, before
 * the poll opens, and released when it closes: appending with the revision that was read makes
 * two polls racing for one code meet in the store, and the log alone says who holds a code.
 * A code is used again once released, so the stream is a sequence of holders.
 */
export type JoinCodeReserved = DomainEvent<'JoinCodeReserved', { code: string; pollId: string; reservedAt: string }>;
export type JoinCodeReleased = DomainEvent<'JoinCodeReleased', { code: string; pollId: string; releasedAt: string }>;
export type JoinCodeEvent = JoinCodeReserved | JoinCodeReleased;

export type JoinCodeState = { status: 'free' } | { status: 'held'; pollId: string; reservedAt: string };

/**
 * `holderLive`: whether the poll that holds the code still needs it, which the handler learns from
 * the poll's own stream (active with this code, or opening right now). A holder that closed
 * without releasing, or never opened, leaves a stale reservation that the next poll takes over.
 */
export type ReserveJoinCode = DomainCommand<'ReserveJoinCode', { code: string; pollId: string; holderLive: boolean; now: Instant }>;
export type ReleaseJoinCode = DomainCommand<'ReleaseJoinCode', { code: string; pollId: string; now: Instant }>;
export type JoinCodeCommand = ReserveJoinCode | ReleaseJoinCode;

export const JOIN_CODE_CODES = {
  invalid: 'join-code.invalid',
  taken: 'join-code.taken',
  notFound: 'join-code.not-found',
} as const;

/** Six to eight digits, no leading zero (a code read aloud or typed should not lose a digit). */
export const JOIN_CODE_PATTERN = /^[1-9][0-9]{5,7}$/;

export const joinCodeStream = (code: string): string => `joincode-${code}`;

export const joinCodeNotFound = (code: string): NotFoundError =>
  new NotFoundError(JOIN_CODE_CODES.notFound, `no active poll has the join code ${code}`);

export function decideJoinCode(command: JoinCodeCommand, state: JoinCodeState): JoinCodeEvent[] {
  const { code, pollId } = command.data;
  if (!JOIN_CODE_PATTERN.test(code)) throw new ValidationError(JOIN_CODE_CODES.invalid, 'a join code is 6 to 8 digits', { field: 'code' });
  switch (command.type) {
    case 'ReserveJoinCode': {
      if (state.status === 'held' && state.pollId === pollId) return [];
      if (state.status === 'held' && command.data.holderLive) {
        throw new ConflictError(JOIN_CODE_CODES.taken, `join code ${code} is held by another poll`);
      }
      return [{ type: 'JoinCodeReserved', data: { code, pollId, reservedAt: toIso(command.data.now, 'now') } }];
    }
    case 'ReleaseJoinCode':
      if (state.status !== 'held' || state.pollId !== pollId) return [];
      return [{ type: 'JoinCodeReleased', data: { code, pollId, releasedAt: toIso(command.data.now, 'now') } }];
    default:
      return assertNever(command, 'join code command');
  }
}

export function evolveJoinCode(state: JoinCodeState, event: JoinCodeEvent): JoinCodeState {
  switch (event.type) {
    case 'JoinCodeReserved':
      return { status: 'held', pollId: event.data.pollId, reservedAt: event.data.reservedAt };
    case 'JoinCodeReleased':
      return state.status === 'held' && state.pollId === event.data.pollId ? { status: 'free' } : state;
    default:
      return assertNever(event, 'join code event');
  }
}

export const joinCodeDecider: Decider<JoinCodeCommand, JoinCodeEvent, JoinCodeState> = {
  decide: decideJoinCode,
  evolve: evolveJoinCode,
  initialState: () => ({ status: 'free' }),
};
