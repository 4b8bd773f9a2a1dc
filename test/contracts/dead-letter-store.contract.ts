// What every DeadLetterStore must do with its records. (The real adapter's
// DLQ message is checked in its own integration test.)
import { beforeEach, describe, expect, it } from 'vitest';
import { eachSubject, type MakeSubject } from './contract-subject.js';
import { copyKeyOf } from '../../lambdas/core/message/message-copy.js';
import type { DeadLetterRecord } from '../../lambdas/core/model.js';
import type { DeadLetterStore } from '../../lambdas/core/outcome/ports.js';
import { uniqueId } from './contract-ids.js';

export function deadLetterStoreContract(
  make: MakeSubject<DeadLetterStore>,
): void {
  describe('DeadLetterStore contract', () => {
    let subject: DeadLetterStore;
    let route: string;
    eachSubject(make, (made) => (subject = made));
    beforeEach(() => {
      route = uniqueId('route');
    });

    const record = (overrides: Partial<DeadLetterRecord> = {}): DeadLetterRecord => ({
      messageId: uniqueId('msg'),
      route,
      reason: 'expired',
      detail: 'queued for 5 days; last reply 451 4.3.0 mailbox busy',
      at: new Date('2026-01-10T10:00:00.000Z'),
      notification: JSON.stringify({ notificationType: 'Received', mail: { messageId: 'x' } }),
      objectKey: 'inbound/x',
      ...overrides,
    });
    const ids = (list: DeadLetterRecord[]) => list.map((r) => r.messageId);

    it('stores a record and returns it by id', async () => {
      const dead = record();
      await subject.put(dead);
      expect(await subject.get(dead.messageId)).toEqual(dead);
      expect(await subject.get(dead.messageId, route)).toEqual(dead);
      expect(await subject.get(dead.messageId, uniqueId('route'))).toBeUndefined();
      expect(await subject.get(uniqueId('none'))).toBeUndefined();
      expect(await subject.find(uniqueId('none'))).toEqual([]);
    });

    it('lists by route, and every route without one', async () => {
      const mine = record();
      const theirs = record({ route: uniqueId('route'), reason: 'loop-detected' });
      await subject.put(mine);
      await subject.put(theirs);
      expect(await subject.list(route)).toEqual([mine]);
      expect(ids(await subject.list())).toEqual(expect.arrayContaining([mine.messageId, theirs.messageId]));
    });

    // The probe's DeadLetters gauge: the records not yet requeued or deleted, per route.
    it('counts a route\'s records (every copy), not another route\'s, and forgets removed ones', async () => {
      const first = record();
      const second = record({ copy: copyKeyOf(['b1@example.com']) });
      const twin = record({ messageId: second.messageId, copy: copyKeyOf(['c1@example.com']) });
      await subject.put(first);
      await subject.put(second);
      await subject.put(twin);
      await subject.put(record({ route: uniqueId('route') }));
      expect(await subject.count(route)).toBe(3);
      await subject.put({ ...first, reason: 'bounced' }); // an overwrite is one record
      expect(await subject.count(route)).toBe(3);
      await subject.remove(second.messageId, route, twin.copy);
      expect(await subject.count(route)).toBe(2);
      await subject.remove(first.messageId);
      await subject.remove(second.messageId);
      expect(await subject.count(route)).toBe(0);
      expect(await subject.count(uniqueId('route'))).toBe(0);
    });

    it('keeps records with no route (a notification it could not parse)', async () => {
      const malformed: DeadLetterRecord = {
        messageId: uniqueId('bad'),
        reason: 'malformed-notification',
        detail: 'not JSON',
        at: new Date('2026-01-10T10:00:00.000Z'),
        notification: '{not json',
      };
      await subject.put(malformed);
      expect(await subject.get(malformed.messageId)).toEqual(malformed);
      expect(ids(await subject.list())).toContain(malformed.messageId);
      expect(ids(await subject.list(route))).not.toContain(malformed.messageId);
    });

    it('overwrites a record put twice for the same message', async () => {
      const first = record();
      await subject.put(first);
      const second = { ...first, reason: 'bounced' as const, detail: '550 5.1.1 no such user' };
      await subject.put(second);
      expect(await subject.get(first.messageId)).toEqual(second);
      expect(await subject.list(route)).toEqual([second]);
    });

    it('forgets a removed record', async () => {
      const dead = record();
      await subject.put(dead);
      expect(await subject.remove(dead.messageId)).toBe(1);
      expect(await subject.get(dead.messageId)).toBeUndefined();
      expect(await subject.list(route)).toEqual([]);
      expect(await subject.remove(dead.messageId)).toBe(0);
    });

    // requeue/delete against a running drain: a record put again after the command read it is not removed.
    it('removes with writtenAt only the record written then; a newer put of the same record stays whole', async () => {
      const read = record();
      await subject.put(read);
      const again = { ...read, reason: 'virus' as const, detail: 'quarantined again', at: new Date(read.at.getTime() + 1) };
      await subject.put(again);
      expect(await subject.remove(read.messageId, route, '', read.at)).toBe(0);
      expect(await subject.get(read.messageId, route, '')).toEqual(again);
      expect(await subject.count(route)).toBe(1);
      expect(await subject.remove(read.messageId, route, '', again.at)).toBe(1);
      expect(await subject.find(read.messageId)).toEqual([]);
    });

    // SES gives a message whose recipients match two routes' rules the same id in both.
    it('keeps one record per route for the same message id', async () => {
      const other = `${route}-z`; // sorts after `route`
      const mine = record();
      const theirs = record({ messageId: mine.messageId, route: other, reason: 'bounced', detail: '550 5.1.1 no such user' });
      await subject.put(mine);
      await subject.put(theirs);
      expect(await subject.get(mine.messageId, route)).toEqual(mine);
      expect(await subject.get(mine.messageId, other)).toEqual(theirs);
      expect(await subject.find(mine.messageId)).toEqual([mine, theirs]);
      expect(await subject.get(mine.messageId)).toEqual(mine);
      expect(await subject.list(route)).toEqual([mine]);
      expect(await subject.list(other)).toEqual([theirs]);

      await subject.remove(mine.messageId, route);
      expect(await subject.find(mine.messageId)).toEqual([theirs]);
      await subject.put(mine);
      await subject.remove(mine.messageId);
      expect(await subject.find(mine.messageId)).toEqual([]);
    });

    // A route whose recipients are split over several receipt rules gets one
    // notification per rule that matched, under one message id: each copy's
    // dead letter is kept (else requeue restores only the last copy's recipients).
    describe('two copies of one message on one route (split receipt rules)', () => {
      const twoCopies = () => {
        const first = record({ copy: copyKeyOf(['a1@example.com']), notification: '{"copy":"a1"}', detail: '550 5.1.1 a1' });
        const second = record({ messageId: first.messageId, copy: copyKeyOf(['b1@example.com']), notification: '{"copy":"b1"}', detail: '550 5.1.1 b1' });
        return { first, second, bySort: [first, second].sort((x, y) => (x.copy! < y.copy! ? -1 : 1)) };
      };

      it('keeps both records: found, listed and got by copy', async () => {
        const { first, second, bySort } = twoCopies();
        await subject.put(first);
        await subject.put(second);
        expect(await subject.find(first.messageId)).toEqual(bySort);
        expect((await subject.list(route)).map((r) => r.copy).sort()).toEqual(bySort.map((r) => r.copy));
        expect(await subject.get(first.messageId, route, first.copy)).toEqual(first);
        expect(await subject.get(first.messageId, route, second.copy)).toEqual(second);
        expect(await subject.get(first.messageId, route, 'no-such-copy')).toBeUndefined();
        expect(await subject.get(first.messageId, route)).toEqual(bySort[0]);
      });

      it('overwrites only the same copy; removes one copy, or every copy of the route', async () => {
        const { first, second } = twoCopies();
        await subject.put(first);
        await subject.put(second);
        const again = { ...first, reason: 'bounced' as const };
        await subject.put(again);
        expect(await subject.get(first.messageId, route, first.copy)).toEqual(again);
        expect(await subject.get(first.messageId, route, second.copy)).toEqual(second);
        await subject.remove(first.messageId, route, first.copy);
        expect(await subject.find(first.messageId)).toEqual([second]);
        await subject.put(first);
        await subject.remove(first.messageId, route);
        expect(await subject.find(first.messageId)).toEqual([]);
      });

      it('keeps an older record without a copy beside them; copy "" names that one', async () => {
        const { first } = twoCopies();
        const older = record({ messageId: first.messageId, detail: 'written before copies were kept' });
        await subject.put(older);
        await subject.put(first);
        expect(await subject.find(first.messageId)).toHaveLength(2);
        expect(await subject.get(first.messageId, route, '')).toEqual(older);
        await subject.remove(first.messageId, route, '');
        expect(await subject.find(first.messageId)).toEqual([first]);
      });
    });
  });
}
