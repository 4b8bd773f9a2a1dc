// What a route queue with a redrive policy does, checked on the fake and on
// the emulator: after maxReceiveCount receives the message is no longer
// handed out but appears in the DLQ, with its original enqueue time (SQS
// counts retention in the DLQ from the first enqueue). `make` returns a queue
// whose redrive policy sends to `dlq` at `maxReceiveCount`.
import { describe, expect, it } from 'vitest';
import type { MailQueue, QueuedMessage } from '../../lambdas/core/drain/ports.js';
import { eachSubject, type MakeSubject } from './contract-subject.js';
import { uniqueId } from './contract-ids.js';

export interface RedriveSubject {
  queue: MailQueue;
  dlq: MailQueue;
  maxReceiveCount: number;
}

export function queueRedriveContract(make: MakeSubject<RedriveSubject>): void {
  describe('MailQueue redrive contract', () => {
    let s: RedriveSubject;
    eachSubject(make, (made) => (s = made));

    async function receiveOne(queue: MailQueue): Promise<QueuedMessage | undefined> {
      for (let i = 0; i < 3; i++) {
        const [m] = await queue.receive(1, 1);
        if (m) return m;
      }
      return undefined;
    }

    it('moves a message received maxReceiveCount times to the DLQ, keeping its first enqueue time', async () => {
      const body = JSON.stringify({ id: uniqueId('redrive') });
      await s.queue.enqueue(body);
      let first: QueuedMessage | undefined;
      for (let i = 1; i <= s.maxReceiveCount; i++) {
        const m = await receiveOne(s.queue);
        expect(m?.receiveCount).toBe(i);
        first ??= m;
        await s.queue.defer(m!.handle, 0);
      }
      expect(await s.queue.receive(10, 1)).toEqual([]);
      const dead = await receiveOne(s.dlq);
      expect(dead?.body).toBe(body);
      expect(Math.abs(dead!.enqueuedAt.getTime() - first!.enqueuedAt.getTime())).toBeLessThan(1000);
    });

    it('a fresh copy (re-enqueue) starts its receive count again and is never redriven early', async () => {
      const body = JSON.stringify({ id: uniqueId('copy') });
      await s.queue.enqueue(body);
      for (let i = 1; i < s.maxReceiveCount; i++) await s.queue.defer((await receiveOne(s.queue))!.handle, 0);
      const last = await receiveOne(s.queue);
      await s.queue.enqueue(last!.body);
      await s.queue.delete(last!.handle);
      const copy = await receiveOne(s.queue);
      expect(copy).toMatchObject({ body, receiveCount: 1 });
      expect(await s.dlq.receive(10, 0)).toEqual([]);
    });
  });
}
