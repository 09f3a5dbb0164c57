import { describe, expect, it } from 'vitest';
import type { LiveResultsMessage } from '../../src/projections/to-nats/live-bus.ts';
import { InProcessLiveBus } from '../../src/projections/to-nats/in-process-live-bus.ts';

const message = (pollId: string, position: number): LiveResultsMessage => ({ pollId, position, results: {}, eventId: `e${position}` });

describe('InProcessLiveBus', () => {
  it('delivers a poll’s messages to its subscribers only, until they unsubscribe', async () => {
    const bus = new InProcessLiveBus();
    const a: number[] = [];
    const b: number[] = [];
    const stopA = bus.subscribe('p1', (m) => a.push(m.position));
    bus.subscribe('p2', (m) => b.push(m.position));
    await bus.publish(message('p1', 1));
    await bus.publish(message('p2', 2));
    stopA();
    await bus.publish(message('p1', 3));
    expect(a).toEqual([1]);
    expect(b).toEqual([2]);
  });

  it('a throwing subscriber does not keep the others from their message', async () => {
    const errors: unknown[] = [];
    const bus = new InProcessLiveBus({ onError: (e) => errors.push(e) });
    const got: number[] = [];
    bus.subscribe('p1', () => {
      throw new Error('socket gone');
    });
    bus.subscribe('p1', (m) => got.push(m.position));
    await bus.publish(message('p1', 7));
    expect(got).toEqual([7]);
    expect(errors).toHaveLength(1);
  });
});
