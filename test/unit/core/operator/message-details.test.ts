// The show use case on fakes: one detail per route, the copies of a split
// message merged, recipients' states from the ledger, the dead-letter record.
import { describe, expect, it } from 'vitest';
import { operatorWorld } from '../../../support/world/operator-world.js';

describe('MessageDetails', () => {
  it('shows a dead letter: envelope, recipients\' states, attempts, record, whether the raw message is kept', async () => {
    const { h, operator, deadLettered } = operatorWorld();
    const record = await deadLettered({ recipients: ['a@example.com', 'b@example.com'], delivered: ['a@example.com'] });
    await h.ledger.addAttempt({ messageId: record.messageId, recipient: 'b@example.com', at: h.clock.now(), relay: 'mail.example.com:2525', state: 'bounced', delaySeconds: 0, reply: { code: 550, text: '550 no' } });
    const [detail, ...others] = await operator.show(record.messageId);
    expect(others).toEqual([]);
    expect(detail).toMatchObject({
      id: record.messageId,
      route: 'main',
      state: 'dead-letter',
      objectKey: `mail/main/${record.messageId}`,
      stored: true,
      sender: 'alice@sender.example',
      recipients: [expect.objectContaining({ address: 'a@example.com', state: 'delivered' }), expect.objectContaining({ address: 'b@example.com', state: 'bounced', attempts: 2 })],
      deadLetter: { reason: 'virus', detail: 'quarantined', at: record.at.toISOString() },
      attempts: [expect.objectContaining({ recipient: 'b@example.com', state: 'bounced' })],
    });
    h.store.objects.delete(`mail/main/${record.messageId}`);
    expect((await operator.show(record.messageId))[0]).toMatchObject({ stored: false, headers: [] });
  });

  it('merges the copies of a message split over receipt rules into one detail per route', async () => {
    const { h, operator } = operatorWorld();
    const at = h.clock.now();
    for (const [copy, recipient] of [['c1', 'a@example.com'], ['c2', 'b@example.com']] as const) {
      await h.index.add({ messageId: 'split', route: 'main', sender: 's@x.example', recipients: [recipient], receivedAt: at, state: 'queued', copy });
    }
    await h.index.add({ messageId: 'split', route: 'other', sender: 's@x.example', recipients: ['c@example.com'], receivedAt: at, state: 'done', copy: 'c3' });
    const details = await operator.show('split');
    expect(details.map((d) => [d.route, d.state, d.recipients.map((r) => r.address)])).toEqual([
      ['main', 'queued', ['a@example.com', 'b@example.com']],
      ['other', 'done', ['c@example.com']],
    ]);
    expect((await operator.show('split', 'other')).map((d) => d.route)).toEqual(['other']);
  });

  it('knows nothing of an unknown id', async () => {
    const { operator } = operatorWorld();
    expect(await operator.show('nobody')).toEqual([]);
  });
});
