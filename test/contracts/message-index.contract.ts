// What every MessageIndex must do. Other tests may share the store, so
// listings are checked for this test's own messages only.
import { beforeEach, describe, expect, it } from 'vitest';
import { eachSubject, type MakeSubject } from './contract-subject.js';
import { copyKeyOf } from '../../lambdas/core/message/message-copy.js';
import type { MessageIndex, MessageSummary } from '../../lambdas/core/accept/ports.js';
import { uniqueId } from './contract-ids.js';

export function messageIndexContract(make: MakeSubject<MessageIndex>): void {
  describe('MessageIndex contract', () => {
    let subject: MessageIndex;
    let route: string;
    eachSubject(make, (made) => (subject = made));
    beforeEach(() => {
      route = uniqueId('route');
    });

    const summary = (overrides: Partial<MessageSummary> = {}): MessageSummary => ({
      messageId: uniqueId('msg'),
      route,
      sender: 'alice@example.org',
      recipients: ['bob@example.com', 'carol@example.com'],
      receivedAt: new Date('2026-01-05T10:00:00.000Z'),
      size: 2048,
      subject: 'Quarterly report',
      state: 'queued',
      ...overrides,
    });
    const ids = (list: MessageSummary[]) => list.map((s) => s.messageId);

    it('adds a message once and returns it as given', async () => {
      const message = summary();
      expect(await subject.add(message)).toBe(true);
      expect(await subject.add({ ...message, subject: 'changed' })).toBe(false);
      expect(await subject.get(message.messageId)).toEqual(message);
    });

    it('keeps a null sender and works without the optional fields', async () => {
      const bounce: MessageSummary = {
        messageId: uniqueId('bounce'),
        route,
        sender: '',
        recipients: ['bob@example.com'],
        receivedAt: new Date('2026-01-05T10:00:00.000Z'),
        state: 'queued',
      };
      await subject.add(bounce);
      expect(await subject.get(bounce.messageId)).toEqual(bounce);
    });

    it('returns undefined for an unknown message', async () => {
      const id = uniqueId('none');
      expect(await subject.get(id)).toBeUndefined();
      expect(await subject.get(id, route)).toBeUndefined();
      expect(await subject.find(id)).toEqual([]);
    });

    it('lists a route’s queued messages oldest first, and all routes without one', async () => {
      const newer = summary({ receivedAt: new Date('2026-01-05T12:00:00.000Z') });
      const older = summary({ receivedAt: new Date('2026-01-04T12:00:00.000Z') });
      const elsewhere = summary({ route: uniqueId('route') });
      for (const message of [newer, older, elsewhere]) await subject.add(message);
      const listed = await subject.listQueued(route);
      expect(ids(listed)).toEqual([older.messageId, newer.messageId]);
      expect(listed[0]).toEqual(older);
      const all = ids(await subject.listQueued());
      expect(all).toEqual(expect.arrayContaining([older.messageId, newer.messageId, elsewhere.messageId]));
      expect(all.indexOf(older.messageId)).toBeLessThan(all.indexOf(newer.messageId));
    });

    it('marks a message done: no longer listed, state and time kept', async () => {
      const message = summary();
      await subject.add(message);
      const at = new Date('2026-01-05T10:07:00.000Z');
      await subject.markDone(message.messageId, route, at);
      expect(await subject.get(message.messageId)).toEqual({ ...message, state: 'done', lastDeliveryAt: at });
      expect(ids(await subject.listQueued(route))).not.toContain(message.messageId);
      expect(ids(await subject.listQueued())).not.toContain(message.messageId);
    });

    it('remembers when each route last finished a message, moving forward only', async () => {
      expect(await subject.lastDone(route)).toBeUndefined();
      const later = new Date('2026-01-05T10:09:00.000Z');
      await subject.add(summary());
      await subject.markDone(uniqueId('never'), route, new Date('2026-01-05T10:01:00.000Z'));
      expect(await subject.lastDone(route)).toEqual(new Date('2026-01-05T10:01:00.000Z'));
      await subject.markDone(uniqueId('never'), route, later);
      await subject.markDone(uniqueId('never'), route, new Date('2026-01-05T10:05:00.000Z'));
      expect(await subject.lastDone(route)).toEqual(later);
      expect(await subject.lastDone(uniqueId('route'))).toBeUndefined();
    });

    it('leaves a done tombstone for a message it never indexed, which a late add cannot overwrite', async () => {
      const id = uniqueId('never');
      const at = new Date('2026-01-05T10:00:00.000Z');
      await subject.markDone(id, route, at);
      expect(await subject.get(id, route)).toMatchObject({ messageId: id, route, state: 'done', lastDeliveryAt: at });
      expect(await subject.add(summary({ messageId: id }))).toBe(false); // an SNS retry of the accept, after the drain
      expect((await subject.get(id, route))?.state).toBe('done');
      expect((await subject.listQueued(route)).map((s) => s.messageId)).not.toContain(id);
      await subject.remove(id, route); // requeue removes it, then indexes again
      expect(await subject.add(summary({ messageId: id }))).toBe(true);
    });

    it('removes a message', async () => {
      const message = summary();
      await subject.add(message);
      await subject.remove(message.messageId);
      expect(await subject.get(message.messageId)).toBeUndefined();
      expect(ids(await subject.listQueued(route))).toEqual([]);
      // and it can be indexed afresh
      expect(await subject.add(message)).toBe(true);
    });

    // SES gives a message whose recipients match two routes' rules the same id in both.
    describe('the same message id in two routes', () => {
      const twoRoutes = () => {
        const other = `${route}-z`; // sorts after `route`
        const first = summary({ recipients: ['bob@example.com'] });
        const second = { ...first, route: other, recipients: ['dan@example.net'], subject: 'same message' };
        return { other, first, second };
      };

      it('keeps both summaries, each listed in its own route', async () => {
        const { other, first, second } = twoRoutes();
        expect(await subject.add(first)).toBe(true);
        expect(await subject.add(second)).toBe(true);
        expect(await subject.add(second)).toBe(false);
        expect(await subject.get(first.messageId, route)).toEqual(first);
        expect(await subject.get(first.messageId, other)).toEqual(second);
        expect(await subject.find(first.messageId)).toEqual([first, second]);
        expect(await subject.get(first.messageId)).toEqual(first);
        expect(await subject.listQueued(route)).toEqual([first]);
        expect(await subject.listQueued(other)).toEqual([second]);
      });

      it('marks one route done without touching the other', async () => {
        const { other, first, second } = twoRoutes();
        await subject.add(first);
        await subject.add(second);
        const at = new Date('2026-01-05T10:07:00.000Z');
        await subject.markDone(first.messageId, route, at);
        expect(await subject.get(first.messageId, route)).toEqual({ ...first, state: 'done', lastDeliveryAt: at });
        expect(await subject.get(first.messageId, other)).toEqual(second);
        expect(ids(await subject.listQueued(other))).toEqual([first.messageId]);
      });

      it('removes one route’s summary, or every route’s when no route is given', async () => {
        const { other, first, second } = twoRoutes();
        await subject.add(first);
        await subject.add(second);
        await subject.remove(first.messageId, other);
        expect(await subject.find(first.messageId)).toEqual([first]);
        await subject.add(second);
        await subject.remove(first.messageId);
        expect(await subject.find(first.messageId)).toEqual([]);
        expect(await subject.get(first.messageId)).toBeUndefined();
      });
    });

    // A route whose recipients are split over several receipt rules gets one
    // notification per rule that matched, under one message id, each with only
    // that rule's recipients: each copy is indexed, listed and finished on its own.
    describe('two copies of one message on one route (split receipt rules)', () => {
      const twoCopies = () => {
        const first = summary({ recipients: ['a1@example.com'], copy: copyKeyOf(['a1@example.com']) });
        const second = { ...first, recipients: ['b1@example.com'], copy: copyKeyOf(['b1@example.com']) };
        return { first, second };
      };
      const recipientsListed = async (id: string) =>
        (await subject.listQueued(route)).filter((s) => s.messageId === id).flatMap((s) => s.recipients).sort();

      it('indexes both copies (a retry of either is "already indexed") and lists both copies\' recipients', async () => {
        const { first, second } = twoCopies();
        expect(await subject.add(first)).toBe(true);
        expect(await subject.add(second)).toBe(true);
        expect(await subject.add(first)).toBe(false);
        expect(await subject.add(second)).toBe(false);
        expect(await recipientsListed(first.messageId)).toEqual(['a1@example.com', 'b1@example.com']);
        expect(ids(await subject.listQueued())).toEqual(expect.arrayContaining([first.messageId]));
        expect(await subject.find(first.messageId)).toHaveLength(2);
        expect(await subject.get(first.messageId, route, second.copy)).toEqual(second);
        if (subject.queuedStats) expect((await subject.queuedStats(route)).queued).toBe(2);
      });

      it('marks only its own copy done: the other stays listed until it is done too', async () => {
        const { first, second } = twoCopies();
        await subject.add(first);
        await subject.add(second);
        const at = new Date('2026-01-05T10:07:00.000Z');
        await subject.markDone(first.messageId, route, at, first.copy);
        expect(await recipientsListed(first.messageId)).toEqual(['b1@example.com']);
        expect(await subject.get(first.messageId, route, first.copy)).toEqual({ ...first, state: 'done', lastDeliveryAt: at });
        if (subject.queuedStats) expect(await subject.queuedStats(route)).toEqual({ queued: 1, oldestReceivedAt: second.receivedAt });
        await subject.markDone(first.messageId, route, at, second.copy);
        expect(await recipientsListed(first.messageId)).toEqual([]);
      });

      it('a copy finished before it was indexed leaves a tombstone for that copy only', async () => {
        const { first, second } = twoCopies();
        await subject.markDone(first.messageId, route, new Date('2026-01-05T10:07:00.000Z'), first.copy);
        expect(await subject.add(first)).toBe(false); // the late accept of the finished copy
        expect(await subject.add(second)).toBe(true); // the other rule's copy, still to deliver
        expect(await recipientsListed(first.messageId)).toEqual(['b1@example.com']);
      });

      it('removes one copy, or every copy of the route', async () => {
        const { first, second } = twoCopies();
        await subject.add(first);
        await subject.add(second);
        await subject.remove(first.messageId, route, first.copy);
        expect(await subject.find(first.messageId)).toEqual([second]);
        await subject.add(first);
        await subject.remove(first.messageId, route);
        expect(await subject.find(first.messageId)).toEqual([]);
      });

      it('a summary indexed before copies were kept is finished by a copy\'s markDone', async () => {
        const older = summary({ recipients: ['a1@example.com'] }); // no copy
        await subject.add(older);
        await subject.markDone(older.messageId, route, new Date('2026-01-05T10:07:00.000Z'), copyKeyOf(older.recipients));
        expect(ids(await subject.listQueued(route))).not.toContain(older.messageId);
        expect((await subject.get(older.messageId, route, ''))?.state).toBe('done');
      });
    });

    it('queuedStats counts the route\'s messages not final and finds the oldest, whatever the order they came in', async () => {
      if (!subject.queuedStats) return expect(subject.queuedStats).toBeUndefined();
      expect(await subject.queuedStats(route)).toEqual({ queued: 0 });
      const newer = summary({ receivedAt: new Date('2026-01-05T12:00:00.000Z') });
      const older = summary({ receivedAt: new Date('2026-01-05T09:30:00.000Z') });
      const finished = summary({ receivedAt: new Date('2026-01-05T08:00:00.000Z') });
      for (const m of [newer, older, finished]) await subject.add(m);
      await subject.markDone(finished.messageId, route, new Date('2026-01-05T08:05:00.000Z'));
      await subject.add(summary({ route: `${route}-other`, receivedAt: new Date('2026-01-01T00:00:00.000Z') }));
      expect(await subject.queuedStats(route)).toEqual({ queued: 2, oldestReceivedAt: older.receivedAt });
    });

    it('oldestQueued reads the route\'s oldest queued summaries, no more than asked', async () => {
      if (!subject.oldestQueued) return expect(subject.oldestQueued).toBeUndefined();
      const at = (hour: number) => new Date(Date.UTC(2026, 0, 5, hour));
      const made = [7, 3, 5, 4].map((hour) => summary({ receivedAt: at(hour) }));
      for (const m of made) await subject.add(m);
      await subject.markDone(made[1]!.messageId, route, at(9)); // the oldest is done: not listed
      await subject.add(summary({ route: `${route}-other`, receivedAt: at(1) }));
      expect((await subject.oldestQueued(route, 2)).map((s) => s.receivedAt)).toEqual([at(4), at(5)]);
      expect(await subject.oldestQueued(route, 10)).toHaveLength(3);
    });
  });
}
