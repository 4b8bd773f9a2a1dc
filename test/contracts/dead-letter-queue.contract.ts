// What every DeadLetterQueue must do: remove exactly the copies that stand
// for the records an operator handled (by id, route, copy and the record's
// time), recognise a redriven copy by the object key in its body, and leave
// every other copy where it was.
import { describe, expect, it } from 'vitest';
import { parseSesNotification } from '../../lambdas/adapters/ses/ses-notification.js';
import { copyOf } from '../../lambdas/core/message/message-copy.js';
import type { DeadLetterRecord } from '../../lambdas/core/model.js';
import type { DeadLetterQueue } from '../../lambdas/core/operator/mail-ports.js';
import { sesNotification } from '../support/aws/ses-events.js';
import { uniqueId } from './contract-ids.js';
import { eachSubject, type MakeSubject } from './contract-subject.js';

export interface DeadLetterQueueSubject {
  dlq: DeadLetterQueue;
  /** A copy as the drain sends it with its record (DeadLetterStore.put). */
  putCopy(record: DeadLetterRecord): Promise<void>;
  /** A copy as SQS redrive moves it: the notification alone, no attributes. */
  putRedriven(notification: string): Promise<void>;
}

export function deadLetterQueueContract(make: MakeSubject<DeadLetterQueueSubject>): void {
  describe('DeadLetterQueue contract', () => {
    let subject: DeadLetterQueueSubject;
    eachSubject(make, (made) => (subject = made));

    const notification = (messageId: string, route: string, recipients = ['bob@example.com']) =>
      sesNotification({ messageId, recipients, objectKeyPrefix: `mail/${route}/` });
    const record = (messageId: string, route: string, at: string, recipients?: string[]): DeadLetterRecord => {
      const body = notification(messageId, route, recipients);
      return { messageId, route, reason: 'virus', detail: 'quarantined', at: new Date(at), notification: body, copy: copyOf(parseSesNotification(body)) };
    };

    it('removes the copy of the record read and leaves another message\'s and another route\'s', async () => {
      const id = uniqueId('m');
      const other = uniqueId('m');
      const mine = record(id, 'main', '2026-01-05T10:00:00.000Z');
      await subject.putCopy(mine);
      await subject.putCopy(record(id, 'other', '2026-01-05T10:00:00.000Z'));
      await subject.putCopy(record(other, 'main', '2026-01-05T10:00:00.000Z'));
      expect(await subject.dlq.depth()).toBe(3);
      const result = await subject.dlq.removeCopies([{ messageId: id, route: 'main', copy: mine.copy!, writtenUpTo: mine.at }]);
      expect(result).toMatchObject({ removed: [1], complete: true });
      expect(await subject.dlq.depth()).toBe(2);
      // The two left are still there to remove.
      const rest = await subject.dlq.removeCopies([{ messageId: id, route: 'other' }, { messageId: other, route: 'main' }]);
      expect(rest.removed).toEqual([1, 1]);
      expect(await subject.dlq.depth()).toBe(0);
    });

    // A drain dead-lettered the message again after the record was read: the new record's copy stands for it.
    it('keeps a copy put after the record read (writtenUpTo), removing the one at or before it', async () => {
      const id = uniqueId('m');
      const first = record(id, 'main', '2026-01-05T10:00:00.000Z');
      await subject.putCopy(first);
      await subject.putCopy({ ...first, at: new Date('2026-01-05T10:05:00.000Z'), detail: 'quarantined again' });
      const result = await subject.dlq.removeCopies([{ messageId: id, route: 'main', copy: first.copy!, writtenUpTo: first.at }]);
      expect(result.removed).toEqual([1]);
      expect(await subject.dlq.depth()).toBe(1);
    });

    // A route split over several receipt rules dead-letters one copy per rule: only the record's own goes.
    it('removes only the named copy of a message split over receipt rules', async () => {
      const id = uniqueId('m');
      const a = record(id, 'main', '2026-01-05T10:00:00.000Z', ['a@example.com']);
      const b = record(id, 'main', '2026-01-05T10:00:00.000Z', ['b@example.com']);
      expect(a.copy).not.toBe(b.copy);
      await subject.putCopy(a);
      await subject.putCopy(b);
      expect((await subject.dlq.removeCopies([{ messageId: id, route: 'main', copy: a.copy!, writtenUpTo: a.at }])).removed).toEqual([1]);
      expect(await subject.dlq.depth()).toBe(1);
    });

    it('recognises a redriven copy (no attributes) by the route in its object key', async () => {
      const id = uniqueId('m');
      await subject.putRedriven(notification(id, 'main'));
      expect((await subject.dlq.removeCopies([{ messageId: id, route: 'other' }])).removed).toEqual([0]);
      expect(await subject.dlq.depth()).toBe(1);
      expect((await subject.dlq.removeCopies([{ messageId: id, route: 'main', writtenUpTo: new Date(0) }])).removed).toEqual([1]);
      expect(await subject.dlq.depth()).toBe(0);
    });

    it('removes nothing when nothing is wanted, or when no copy matches', async () => {
      await subject.putCopy(record(uniqueId('m'), 'main', '2026-01-05T10:00:00.000Z'));
      expect(await subject.dlq.removeCopies([])).toEqual({ removed: [], scanned: 0, complete: true });
      expect((await subject.dlq.removeCopies([{ messageId: uniqueId('none') }])).removed).toEqual([0]);
      expect(await subject.dlq.depth()).toBe(1);
    });
  });
}
