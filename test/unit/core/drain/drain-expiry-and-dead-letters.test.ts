// DrainRoute at the end of the line: expiry (DSN or dead letter), quarantine, loops, malformed notifications,
// missing objects, and bounces kept pending while neither a DSN nor a dead letter can be written.
import { describe, expect, it } from 'vitest';
import { harness } from '../../../support/world/engine-harness.js';

const reply550 = { code: 550, enhanced: '5.1.1', text: 'User unknown in virtual mailbox table' };
const reply451 = { code: 451, enhanced: '4.3.0', text: 'Temporary lookup failure' };

describe('DrainRoute', () => {
  describe('expiry', () => {
    it('sends a DSN for the pending recipients with their last reply', async () => {
      const h = harness();
      h.transports.reply('temp@example.com', reply451);
      const { messageId } = await h.arrive({ recipients: ['ok@example.com', 'temp@example.com'] });
      await h.runDrain();
      h.clock.advance(5 * 86_400);
      const summary = await h.runDrain();
      expect(summary).toMatchObject({ expired: 1, delivered: 0 });
      expect(h.transports.transactions).toHaveLength(1); // no further attempt
      expect(h.bounces.sent).toHaveLength(1);
      const raw = h.bounces.sent[0]!.raw;
      expect(raw).toContain('Final-Recipient: rfc822; temp@example.com');
      expect(raw).toContain('Status: 4.3.0');
      expect(raw).toContain('Diagnostic-Code: smtp; 451 4.3.0 Temporary lookup failure');
      expect(raw).not.toContain('rfc822; ok@example.com');
      expect(h.ledger.stateOf(messageId, 'temp@example.com')).toBe('expired');
      expect(h.metrics.total('Expired')).toBe(1);
      expect(h.queue.all()).toHaveLength(0);
      expect(await h.index.get(messageId)).toMatchObject({ state: 'done' }); // never indexed here: a tombstone a late accept cannot overwrite
    });

    it('dead-letters instead when the route policy says so', async () => {
      const h = harness({}, { bouncePolicy: 'dead-letter' });
      const { messageId } = await h.arrive();
      h.clock.advance(5 * 86_400 + 1);
      await h.runDrain();
      expect(h.bounces.sent).toHaveLength(0);
      expect(await h.deadLetters.get(messageId)).toMatchObject({ reason: 'expired', route: 'main', objectKey: `inbound/main/${messageId}` });
      expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('expired');
      expect(h.queue.all()).toHaveLength(0);
      expect(h.store.objects.has(`inbound/main/${messageId}`)).toBe(true); // raw bytes kept
    });

    it('dead-letters an expired null-sender message', async () => {
      const h = harness();
      const { messageId } = await h.arrive({ sender: '' });
      h.clock.advance(6 * 86_400);
      await h.runDrain();
      expect(h.bounces.sent).toHaveLength(0);
      expect(await h.deadLetters.get(messageId)).toMatchObject({ reason: 'expired', detail: expect.stringContaining('null sender') });
    });

    it('uses 4.4.7 when no attempt was ever made', async () => {
      const h = harness();
      await h.arrive();
      h.clock.advance(5 * 86_400);
      await h.runDrain();
      expect(h.bounces.sent[0]!.raw).toContain('Status: 4.4.7');
    });

    it('falls back to a dead letter when the DSN cannot be sent', async () => {
      const h = harness();
      const { messageId } = await h.arrive();
      h.clock.advance(5 * 86_400);
      h.bounces.failNext = new Error('SES throttled');
      await h.runDrain();
      expect(await h.deadLetters.get(messageId)).toMatchObject({ reason: 'expired', detail: expect.stringContaining('SES throttled') });
      expect(h.queue.all()).toHaveLength(0);
    });
  });

  it('quarantines virus-positive mail without delivering it', async () => {
    const h = harness();
    const { messageId } = await h.arrive({ verdicts: { virus: 'FAIL' } });
    const summary = await h.runDrain();
    expect(summary.deadLettered).toBe(1);
    expect(h.transports.transactions).toHaveLength(0);
    expect(h.bounces.sent).toHaveLength(0);
    expect(await h.deadLetters.get(messageId)).toMatchObject({ reason: 'virus' });
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('dead-lettered');
    expect(h.queue.all()).toHaveLength(0);
  });

  it('dead-letters a looping message (more than maxReceivedHeaders)', async () => {
    const h = harness({ maxReceivedHeaders: 50 });
    const loopy = `${'Received: from a by b; Mon, 05 Jan 2026 09:00:00 +0000\r\n'.repeat(51)}Subject: loop\r\n\r\nbody\r\n`;
    const ok = `${'Received: from a by b; Mon, 05 Jan 2026 09:00:00 +0000\r\n'.repeat(50)}Subject: fine\r\n\r\nbody\r\n`;
    const looping = await h.arrive({ raw: loopy });
    const fine = await h.arrive({ raw: ok });
    await h.runDrain();
    expect(await h.deadLetters.get(looping.messageId)).toMatchObject({ reason: 'loop-detected', detail: '51 Received headers (limit 50)' });
    expect(h.transports.transactions.map((t) => t.envelope)).toHaveLength(1);
    expect(h.ledger.stateOf(fine.messageId, 'bob@example.com')).toBe('delivered');
  });

  it('dead-letters a malformed notification with its reason and deletes it', async () => {
    const h = harness();
    await h.queue.enqueue('{"notificationType":"Received","mail":{}}');
    await h.arrive();
    const summary = await h.runDrain();
    expect(summary).toMatchObject({ deadLettered: 1, delivered: 1 });
    const [record] = await h.deadLetters.list();
    expect(record).toMatchObject({ reason: 'malformed-notification', notification: '{"notificationType":"Received","mail":{}}', messageId: expect.stringMatching(/^malformed-/) });
    expect(record!.detail).toMatch(/mail\./);
    expect(h.queue.all()).toHaveLength(0);
  });

  it('dead-letters a message whose object is missing, keeping the notification', async () => {
    const h = harness();
    const { messageId, key, body } = await h.arrive();
    h.store.objects.delete(key);
    await h.runDrain();
    expect(await h.deadLetters.get(messageId)).toMatchObject({ reason: 'object-missing', notification: body });
    expect(h.transports.transactions).toHaveLength(0);
    expect(h.queue.all()).toHaveLength(0);
  });

  it('keeps bounced recipients pending when neither DSN nor dead letter can be written', async () => {
    const h = harness();
    h.transports.reply('gone@example.com', reply550, reply550);
    const { messageId } = await h.arrive({ recipients: ['gone@example.com'] });
    h.bounces.failNext = new Error('SES down');
    h.deadLetters.failNext = new Error('DynamoDB down');
    await h.runDrain();
    expect(h.ledger.stateOf(messageId, 'gone@example.com')).toBe('deferred');
    expect(h.queue.all()).toHaveLength(1);
    h.clock.advance(300);
    await h.runDrain();
    expect(h.ledger.stateOf(messageId, 'gone@example.com')).toBe('bounced');
    expect(h.bounces.sent).toHaveLength(1);
    expect(h.queue.all()).toHaveLength(0);
  });
});
