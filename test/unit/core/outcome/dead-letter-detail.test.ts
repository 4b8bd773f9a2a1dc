// A message dead-lettered twice on one route (one recipient bounces, another
// expires later) keeps both reasons: the second record does not hide the first.
import { describe, expect, it } from 'vitest';
import { harness } from '../../../support/world/engine-harness.js';

describe('dead letters of one message on one route', () => {
  it('carries the earlier bounce into the later expiry record', async () => {
    const h = harness({ queueLifetimeSeconds: 3_600, minBackoffSeconds: 60, maxBackoffSeconds: 60 }, { bouncePolicy: 'dead-letter' });
    h.transports
      .reply('gone@example.com', { code: 550, enhanced: '5.1.1', text: 'User unknown' })
      .reply('slow@example.com', { code: 451, enhanced: '4.3.0', text: 'try later' });
    const { messageId } = await h.arrive({ recipients: ['gone@example.com', 'slow@example.com'] });

    await h.runDrain();
    const first = await h.deadLetters.get(messageId, 'main');
    expect(first).toMatchObject({ reason: 'bounced' });
    expect(first!.detail).toContain('<gone@example.com>');

    h.clock.advance(3_700); // past the lifetime: slow@ expires
    await h.runDrain();
    const record = await h.deadLetters.get(messageId, 'main');
    expect(record).toMatchObject({ reason: 'expired' });
    expect(record!.detail).toContain('<slow@example.com>');
    expect(record!.detail).toContain('earlier bounced');
    expect(record!.detail).toContain('<gone@example.com>');
    expect(h.ledger.stateOf(messageId, 'gone@example.com')).toBe('bounced');
    expect(h.ledger.stateOf(messageId, 'slow@example.com')).toBe('expired');
    expect(h.queue.all()).toHaveLength(0);
  });

  it('does not repeat the same detail when the same dead letter is written again', async () => {
    const h = harness({}, { bouncePolicy: 'dead-letter' });
    const body = '{"not": "an SES notification"}';
    await h.queue.enqueue(body);
    await h.queue.enqueue(body); // delivered twice by SQS
    await h.runDrain();
    const [record] = await h.deadLetters.list();
    expect(record!.reason).toBe('malformed-notification');
    expect(record!.detail).not.toContain('earlier');
  });
});

describe('a failed read of the earlier dead letter', () => {
  /** The first run dead-letters gone@ (bounced); slow@ expires in the second. */
  async function bouncedThenExpiring() {
    const h = harness({ queueLifetimeSeconds: 3_600, minBackoffSeconds: 60, maxBackoffSeconds: 60, ledgerWriteRetryMs: [0, 0] }, { bouncePolicy: 'dead-letter' });
    h.transports
      .reply('gone@example.com', { code: 550, enhanced: '5.1.1', text: 'User unknown' })
      .reply('slow@example.com', { code: 451, enhanced: '4.3.0', text: 'try later' });
    const { messageId } = await h.arrive({ recipients: ['gone@example.com', 'slow@example.com'] });
    await h.runDrain();
    h.clock.advance(3_700);
    const get = h.deadLetters.get.bind(h.deadLetters);
    return { h, messageId, get };
  }

  it('is tried again: a read that fails once still carries the earlier detail', async () => {
    const { h, messageId, get } = await bouncedThenExpiring();
    let failures = 1;
    h.deadLetters.get = async (...args) => {
      if (failures-- > 0) throw new Error('ProvisionedThroughputExceededException');
      return get(...args);
    };
    await h.runDrain();
    const record = await get(messageId, 'main');
    expect(record).toMatchObject({ reason: 'expired' });
    expect(record!.detail).toContain('earlier bounced');
    expect(record!.detail).toContain('<gone@example.com>');
  });

  it('that keeps failing never overwrites the earlier record: the message stays for another try, which keeps both', async () => {
    const { h, messageId, get } = await bouncedThenExpiring();
    h.deadLetters.get = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    await h.runDrain();
    // The bounce's record is whole; nothing replaced it with the expiry alone.
    const kept = await get(messageId, 'main');
    expect(kept).toMatchObject({ reason: 'bounced' });
    expect(kept!.detail).toContain('<gone@example.com>');
    expect(h.queue.all()).toHaveLength(1);
    // The store reads again: the next attempt writes one record with both.
    h.deadLetters.get = get;
    h.clock.advance(3_600);
    await h.runDrain();
    const record = await get(messageId, 'main');
    expect(record!.detail).toContain('<slow@example.com>');
    expect(record!.detail).toContain('<gone@example.com>');
    expect(h.queue.all()).toHaveLength(0);
  });
});
