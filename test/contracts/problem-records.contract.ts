// What the records of core/problems must do (problem-ports.ts), run on the
// in-memory fakes and on the DynamoDB/SQS adapters: nothing before the first
// write; what was saved reads back the same (times to the millisecond, every
// condition with its flag); a canary arrival only ever moves forward; the
// dead-letter queue's depth counts messages being read and delayed too.
import { describe, expect, it } from 'vitest';
import type { CanaryArrivals, DeliveryRecords, OrphanWatchRecords, ProblemStates, QueueDepth } from '../../lambdas/core/problems/problem-ports.js';
import { STACK_SCOPE } from '../../lambdas/core/problems/problem-ports.js';
import { eachSubject, type MakeSubject } from './contract-subject.js';

export interface ProblemRecordsSubject {
  states: ProblemStates;
  deliveries: DeliveryRecords;
  orphanWatch: OrphanWatchRecords;
  canaryArrivals: CanaryArrivals;
  /** A fresh, empty queue's depth, and ways to fill it. */
  queue: { depth: QueueDepth; send(count: number, delaySeconds?: number): Promise<void>; receive(count: number): Promise<void> };
  /** A route name no other test uses. */
  route: string;
}

const at = (iso: string) => new Date(iso);

export function problemRecordsContract(make: MakeSubject<ProblemRecordsSubject>): void {
  describe('problem records contract', () => {
    let s: ProblemRecordsSubject;
    eachSubject(make, (made) => (s = made));

    it('a route\'s and the stack\'s problem states: none at first, then what was saved, apart', async () => {
      expect(await s.states.get(s.route)).toBeUndefined();
      const routeState = { conditions: { 'primary-down': { since: at('2026-01-05T10:00:00.123Z'), announced: true }, backlog: { since: at('2026-01-05T10:01:00.000Z'), announced: false } } };
      await s.states.save(s.route, routeState);
      expect(await s.states.get(s.route)).toEqual(routeState);
      const stackState = { conditions: {}, firstRoundAt: at('2026-01-05T09:00:00.000Z') };
      await s.states.save(STACK_SCOPE, stackState);
      expect(await s.states.get(STACK_SCOPE)).toEqual(stackState);
      expect(await s.states.get(s.route)).toEqual(routeState);
      // A save replaces the state: a condition that ended is gone.
      await s.states.save(s.route, { conditions: {} });
      expect(await s.states.get(s.route)).toEqual({ conditions: {} });
    });

    it('a route\'s delivery record: none at first, then every field as saved', async () => {
      expect(await s.deliveries.get(s.route)).toBeUndefined();
      const failing = { failingSince: at('2026-01-05T10:00:00.000Z'), lastFailingAt: at('2026-01-05T10:14:00.000Z'), lastFailure: 'connection-failed', refusedSinceDelivery: 21, lastRefusedAt: at('2026-01-05T10:10:00.000Z') };
      await s.deliveries.save(s.route, failing);
      expect(await s.deliveries.get(s.route)).toEqual(failing);
      await s.deliveries.save(s.route, { lastDeliveredAt: at('2026-01-05T10:20:00.000Z'), refusedSinceDelivery: 0 });
      expect(await s.deliveries.get(s.route)).toEqual({ lastDeliveredAt: at('2026-01-05T10:20:00.000Z'), refusedSinceDelivery: 0 });
      expect(await s.deliveries.get(`${s.route}-other`)).toBeUndefined();
    });

    it('the orphaned-queue watch\'s record: none at first, then the last finding', async () => {
      expect(await s.orphanWatch.last()).toBeUndefined();
      await s.orphanWatch.record({ at: at('2026-01-05T10:00:00.000Z'), messages: 3 });
      await s.orphanWatch.record({ at: at('2026-01-05T11:00:00.000Z'), messages: 0 });
      expect(await s.orphanWatch.last()).toEqual({ at: at('2026-01-05T11:00:00.000Z'), messages: 0 });
    });

    it('the canary\'s arrival only moves forward: an older one (accepts out of order) does not replace a newer one', async () => {
      expect(await s.canaryArrivals.last()).toBeUndefined();
      await s.canaryArrivals.record({ at: at('2026-01-05T11:00:00.000Z'), roundTripSeconds: 4 });
      await s.canaryArrivals.record({ at: at('2026-01-05T10:00:00.000Z'), roundTripSeconds: 9 });
      expect(await s.canaryArrivals.last()).toEqual({ at: at('2026-01-05T11:00:00.000Z'), roundTripSeconds: 4 });
      await s.canaryArrivals.record({ at: at('2026-01-05T12:00:00.000Z'), roundTripSeconds: 2.5 });
      expect(await s.canaryArrivals.last()).toEqual({ at: at('2026-01-05T12:00:00.000Z'), roundTripSeconds: 2.5 });
    });

    it('a queue\'s depth counts visible, in-flight and delayed messages', async () => {
      expect(await s.queue.depth.depth()).toBe(0);
      await s.queue.send(3);
      await s.queue.send(1, 600);
      await s.queue.receive(2);
      expect(await s.queue.depth.depth()).toBe(4);
    });
  });
}
