// What every MailQueue must do. `make` returns an empty queue. No test waits
// on wall-clock time, so the same suite runs on a fake with a frozen clock.
// SQS behaviours a consumer must live with are part of it: a message whose
// visibility ran out goes to the next receiver, and the first receiver's
// delete then deletes nothing; a short poll (no wait) may answer empty while
// messages wait, so only a waiting receive proves a queue empty. (fauxqs's
// short polls never miss; the fake's suite runs once more with every short
// poll missing, which shows no test here leans on one.)
import { describe, expect, it } from 'vitest';
import { eachSubject, type MakeSubject } from './contract-subject.js';
import type { MailQueue, QueuedMessage } from '../../lambdas/core/drain/ports.js';
import { uniqueId } from './contract-ids.js';

export function mailQueueContract(make: MakeSubject<MailQueue>): void {
  describe('MailQueue contract', () => {
    let subject: MailQueue;
    eachSubject(make, (made) => (subject = made));

    /** Receives until `count` messages came or a receive returns none. */
    async function receiveAll(count: number, visibilitySeconds?: number): Promise<QueuedMessage[]> {
      const got: QueuedMessage[] = [];
      while (got.length < count) {
        const batch = await subject.receive(10, 1, visibilitySeconds);
        if (batch.length === 0) break;
        got.push(...batch);
      }
      return got;
    }

    it('hands out an enqueued body with a handle, receive count 1 and a send time', async () => {
      const body = JSON.stringify({ id: uniqueId('n') });
      await subject.enqueue(body);
      const [message, ...rest] = await receiveAll(1);
      expect(rest).toEqual([]);
      expect(message?.body).toBe(body);
      expect(message?.handle).toEqual(expect.any(String));
      expect(message?.receiveCount).toBe(1);
      expect(Number.isNaN(message!.enqueuedAt.getTime())).toBe(false);
    });

    it('hides a received message from the next receive', async () => {
      await subject.enqueue('one');
      expect(await receiveAll(1)).toHaveLength(1);
      expect(await subject.receive(10, 0)).toEqual([]);
      expect(await subject.depth()).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    });

    it('returns at most `max` messages per receive', async () => {
      for (const body of ['a', 'b', 'c']) await subject.enqueue(body);
      const first = await subject.receive(2, 1);
      expect(first.length).toBeGreaterThanOrEqual(1);
      expect(first.length).toBeLessThanOrEqual(2);
      const rest = await receiveAll(3 - first.length);
      expect([...first, ...rest].map((m) => m.body).sort()).toEqual(['a', 'b', 'c']);
    });

    it('deletes a message for good', async () => {
      await subject.enqueue('gone');
      const [message] = await receiveAll(1);
      await subject.delete(message!.handle);
      expect(await subject.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
      expect(await subject.receive(10, 0)).toEqual([]);
    });

    it('defer 0 makes the message receivable again, counting the receive', async () => {
      await subject.enqueue('again');
      const [first] = await receiveAll(1);
      await subject.defer(first!.handle, 0);
      const [second] = await receiveAll(1);
      expect(second?.body).toBe('again');
      expect(second?.receiveCount).toBe(2);
    });

    it('defer keeps the message hidden, and clamps delays past 12 hours instead of failing', async () => {
      await subject.enqueue('later');
      const [message] = await receiveAll(1);
      await subject.defer(message!.handle, 600);
      expect(await subject.receive(10, 0)).toEqual([]);
      await subject.defer(message!.handle, 10 * 86_400);
      expect(await subject.receive(10, 0)).toEqual([]);
      expect(await subject.depth()).toMatchObject({ visible: 0, inFlight: 1 });
    });

    it('a receive with visibility 0 leaves the message visible at once', async () => {
      await subject.enqueue('peek');
      expect(await receiveAll(1, 0)).toHaveLength(1);
      const [again] = await receiveAll(1);
      expect(again?.body).toBe('peek');
      expect(again?.receiveCount).toBe(2);
    });

    it('enqueue with a delay holds the copy back and counts it as delayed (delay clamped to 15 min)', async () => {
      await subject.enqueue('delayed', 120);
      await subject.enqueue('clamped', 5_000);
      expect(await subject.receive(10, 0)).toEqual([]);
      expect(await subject.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 2 });
    });

    it('hands a message whose visibility ran out to the next receiver; a delete with the older handle succeeds and deletes nothing', async () => {
      await subject.enqueue('twice');
      const [first] = await receiveAll(1, 0); // the first receiver's timeout runs out while it still works
      const [second] = await receiveAll(1);
      expect(second).toMatchObject({ body: 'twice', receiveCount: 2 });
      expect(second!.handle).not.toBe(first!.handle);
      await subject.delete(first!.handle);
      expect(await subject.depth()).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
      await subject.delete(second!.handle);
      expect(await subject.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    });

    it('a receive that waits finds the visible messages, whatever a short poll answered', async () => {
      for (const body of ['p', 'q', 'r']) await subject.enqueue(body);
      const short = await subject.receive(10, 0, 0); // may be empty; hides nothing either way
      expect(short.length).toBeLessThanOrEqual(3);
      expect((await receiveAll(3)).map((m) => m.body).sort()).toEqual(['p', 'q', 'r']);
    });

    it('counts visible messages', async () => {
      await subject.enqueue('x');
      await subject.enqueue('y');
      expect(await subject.depth()).toEqual({ visible: 2, inFlight: 0, delayed: 0 });
    });
  });
}
