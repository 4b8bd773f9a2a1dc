// What every MessageIndex must do. Other tests may share the store, so
// listings are checked for this test's own messages only.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageIndex, MessageSummary } from '../../lambdas/core/ports.js';
import { uniqueId } from './contract-ids.js';

export function messageIndexContract(make: () => Promise<{ subject: MessageIndex; cleanup(): Promise<void> }>): void {
  describe('MessageIndex contract', () => {
    let subject: MessageIndex;
    let cleanup: () => Promise<void>;
    let route: string;

    beforeEach(async () => {
      ({ subject, cleanup } = await make());
      route = uniqueId('route');
    });
    afterEach(async () => {
      await cleanup();
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
      expect(await subject.get(uniqueId('none'))).toBeUndefined();
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
      await subject.markDone(message.messageId, at);
      expect(await subject.get(message.messageId)).toEqual({ ...message, state: 'done', lastDeliveryAt: at });
      expect(ids(await subject.listQueued(route))).not.toContain(message.messageId);
      expect(ids(await subject.listQueued())).not.toContain(message.messageId);
    });

    it('ignores markDone for a message it never indexed', async () => {
      const id = uniqueId('never');
      await expect(subject.markDone(id, new Date())).resolves.toBeUndefined();
      expect(await subject.get(id)).toBeUndefined();
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
  });
}
