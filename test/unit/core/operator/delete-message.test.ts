// The delete use case on fakes: recipients final before anything goes, only
// the records read (and their DLQ copies) removed, a queued message's ledger kept.
import { describe, expect, it } from 'vitest';
import { DeleteMessage, type DeletionSubject } from '../../../../lambdas/core/operator/delete-message.js';
import { operatorWorld } from '../../../support/world/operator-world.js';

const subjectOf = (id: string, state: DeletionSubject['state'], recipients: DeletionSubject['recipients']): DeletionSubject => ({
  id,
  route: 'main',
  state,
  objectKey: `mail/main/${id}`,
  recipients,
});

describe('DeleteMessage', () => {
  it('deletes a dead letter: raw object, index, record, ledger rows; then its DLQ copy', async () => {
    const { h, operator, deadLetterQueue, deadLettered } = operatorWorld();
    const record = await deadLettered();
    const done = await operator.delete.delete(subjectOf(record.messageId, 'dead-letter', [{ address: 'bob@example.com', state: 'bounced', attempts: 2 }]));
    expect(done).toMatchObject({ ledgerPurged: true, deadAgain: 0 });
    expect(h.store.removed).toContain(`mail/main/${record.messageId}`);
    expect(await h.deadLetters.find(record.messageId)).toEqual([]);
    expect((await h.ledger.outcomes(record.messageId)).size).toBe(0);
    expect(deadLetterQueue.copies).toHaveLength(1); // not until removeCopies
    const cleanup = await operator.delete.removeCopies([done], true);
    expect(cleanup && 'result' in cleanup && cleanup.result.removed).toEqual([1]);
    expect(deadLetterQueue.copies).toEqual([]);
  });

  // No drain delivers a queued message once its recipients are final: they are written before anything is removed.
  it('marks a queued message\'s pending recipients final first, and keeps those rows so the drain drops its entry', async () => {
    const { h, deps } = operatorWorld();
    const { messageId, key } = await h.arrive();
    h.store.put(`mail/main/${messageId}`, 'x');
    const order: string[] = [];
    const store = Object.assign(Object.create(h.store) as typeof h.store, { remove: async (k: string) => (order.push(`remove ${k}`), h.store.remove(k)) });
    const ledger = Object.assign(Object.create(h.ledger) as typeof h.ledger, { record: async (...a: Parameters<typeof h.ledger.record>) => (order.push(`final ${a[1].recipient}`), h.ledger.record(...a)) });
    const done = await new DeleteMessage({ ...deps, store, ledger }).delete({ ...subjectOf(messageId, 'queued', [{ address: 'bob@example.com', state: 'queued', attempts: 0 }]), objectKey: key });
    expect(order).toEqual(['final bob@example.com', `remove ${key}`, `remove mail/main/${messageId}`]);
    expect(done.ledgerPurged).toBe(false);
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('dead-lettered');
    // Never dead-lettered: its absence from the DLQ is not worth a line.
    expect(done.copies).toEqual([{ messageId, route: 'main', expected: false, writtenUpTo: new Date(0) }]);
  });

  it('keeps a record a drain wrote between the read and the removal, and counts it', async () => {
    const { h, deps, deadLettered } = operatorWorld();
    const record = await deadLettered();
    const again = { ...record, at: new Date(record.at.getTime() + 60_000) };
    const deadLetters = Object.assign(Object.create(h.deadLetters) as typeof h.deadLetters, {
      remove: async (...a: Parameters<typeof h.deadLetters.remove>) => {
        await h.deadLetters.put(again);
        return h.deadLetters.remove(...a);
      },
    });
    const done = await new DeleteMessage({ ...deps, deadLetters }).delete(subjectOf(record.messageId, 'dead-letter', [{ address: 'bob@example.com', state: 'bounced', attempts: 2 }]));
    expect(done.deadAgain).toBe(1);
    expect(await h.deadLetters.find(record.messageId)).toEqual([again]);
    // Only the copies up to the record read go.
    expect(done.copies).toEqual([{ messageId: record.messageId, route: 'main', copy: record.copy, writtenUpTo: record.at }]);
  });

  it('keeps the raw object of a replay (the original message\'s)', async () => {
    const { h, operator } = operatorWorld();
    h.store.put('mail/main/orig', 'x');
    await operator.delete.delete({ ...subjectOf('orig.replay-abc', 'done', [{ address: 'bob@example.com', state: 'delivered', attempts: 1 }]), objectKey: 'mail/main/orig' });
    expect(h.store.removed).toEqual([]);
  });

  // A redriven poison copy has no record: the DLQ is looked at only when it holds something.
  it('looks at the DLQ with no record read only when it is not empty', async () => {
    const { operator, deadLetterQueue } = operatorWorld();
    const none = { ledgerPurged: true, deadAgain: 0, copies: [{ messageId: 'm1', route: 'main', expected: false, writtenUpTo: new Date(0) }] };
    expect(await operator.delete.removeCopies([none], false)).toBeUndefined();
    deadLetterQueue.add({ messageId: 'm1', objectKey: 'mail/main/m1' });
    const cleanup = await operator.delete.removeCopies([none], false);
    expect(cleanup && 'result' in cleanup && cleanup.result.removed).toEqual([1]);
    // An unreadable DLQ is looked at anyway; its error is the caller's to report.
    deadLetterQueue.failWith = new Error('AccessDenied');
    expect(await operator.delete.removeCopies([none], false)).toMatchObject({ error: deadLetterQueue.failWith });
  });
});
