import { describe, expect, it } from 'vitest';
import { decideJoinCode, evolveJoinCode, type JoinCodeEvent, type JoinCodeState } from './join-code.ts';

const now = '2026-12-04T12:00:00.000Z';
const fold = (events: JoinCodeEvent[]): JoinCodeState => events.reduce(evolveJoinCode, { status: 'free' } as JoinCodeState);
const reserved = (pollId: string): JoinCodeEvent => ({ type: 'JoinCodeReserved', data: { code: '123456', pollId, reservedAt: now } });
const released = (pollId: string): JoinCodeEvent => ({ type: 'JoinCodeReleased', data: { code: '123456', pollId, releasedAt: now } });
const reserve = (pollId: string, holderLive = false) => ({ type: 'ReserveJoinCode' as const, data: { code: '123456', pollId, holderLive, now } });

describe('join code', () => {
  it('given a free code, when a poll reserves it, then it is reserved for that poll', () => {
    expect(decideJoinCode(reserve('p1'), fold([]))).toEqual([reserved('p1')]);
    expect(decideJoinCode(reserve('p2'), fold([reserved('p1'), released('p1')]))).toEqual([reserved('p2')]);
  });
  it('given a code another live poll holds, when a poll reserves it, then it is taken', () => {
    expect(() => decideJoinCode(reserve('p2', true), fold([reserved('p1')]))).toThrow(expect.objectContaining({ code: 'join-code.taken' }));
  });
  it('given a stale reservation (its poll closed or never opened), when a poll reserves it, then the reservation moves', () => {
    expect(decideJoinCode(reserve('p2', false), fold([reserved('p1')]))).toEqual([reserved('p2')]);
  });
  it('given a code its own poll holds, reserving again decides nothing; releasing frees it; another poll cannot release it', () => {
    expect(decideJoinCode(reserve('p1', true), fold([reserved('p1')]))).toEqual([]);
    const release = (pollId: string) => ({ type: 'ReleaseJoinCode' as const, data: { code: '123456', pollId, now } });
    expect(decideJoinCode(release('p1'), fold([reserved('p1')]))).toEqual([released('p1')]);
    expect(decideJoinCode(release('p2'), fold([reserved('p1')]))).toEqual([]);
    expect(fold([reserved('p1'), released('p2')])).toMatchObject({ status: 'held', pollId: 'p1' });
  });
  it('refuses codes that are not 6-8 digits without a leading zero', () => {
    for (const code of ['12345', '012345', '123456789', '12a456']) {
      expect(() => decideJoinCode({ type: 'ReserveJoinCode', data: { code, pollId: 'p1', holderLive: false, now } }, { status: 'free' })).toThrow(
        expect.objectContaining({ code: 'join-code.invalid' }),
      );
    }
  });
});
