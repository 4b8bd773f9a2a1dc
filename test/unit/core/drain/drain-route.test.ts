// DrainRoute delivering: the envelope, the ledger before the delete, per-recipient replies, connection failures, bytes unchanged.
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { copyKeyOf } from '../../../../lambdas/core/message/message-copy.js';
import { harness } from '../../../support/world/engine-harness.js';
import { rawMessage } from '../../../support/aws/ses-events.js';

const reply550 = { code: 550, enhanced: '5.1.1', text: 'User unknown in virtual mailbox table' };
const reply451 = { code: 451, enhanced: '4.3.0', text: 'Temporary lookup failure' };

describe('DrainRoute', () => {
  it('sends nothing while the primary is known down', async () => {
    const h = harness();
    await h.arrive();
    await h.primaryDown();
    const summary = await h.runDrain();
    expect(summary.stoppedBecause).toBe('primary-down');
    expect(h.transports.transactions).toHaveLength(0);
    expect(h.transports.opened).toHaveLength(0);
    expect(h.queue.all()).toHaveLength(1);
  });

  it("marks the copy's summary done with the notification's facts and the object's size, in the copy's own item", async () => {
    const h = harness();
    const recipients = ['bob@example.com', 'carol@example.com'];
    const { messageId, key } = await h.arrive({ sender: 'alice@sender.example', recipients });
    await h.runDrain();
    const copy = copyKeyOf(recipients);
    const done = await h.index.get(messageId, 'main', copy);
    expect(done).toMatchObject({ messageId, route: 'main', copy, sender: 'alice@sender.example', recipients, state: 'done', size: h.store.objects.get(key)!.length });
    expect(await h.index.get(messageId, 'main', '')).toBeUndefined(); // no copy-less item made up
    expect(await h.index.listQueued('main')).toEqual([]);
  });

  it('delivers with the SES envelope, records the ledger and deletes the queue entry', async () => {
    const h = harness();
    const { messageId, key } = await h.arrive({ sender: 'alice@sender.example', recipients: ['bob@example.com'] });
    h.clock.advance(90);
    const summary = await h.runDrain();

    expect(summary).toMatchObject({ delivered: 1, deferred: 0, stoppedBecause: 'queue-empty', messages: 1 });
    const [tx] = h.transports.transactions;
    expect(tx!.envelope).toEqual({ from: 'alice@sender.example', to: ['bob@example.com'] });
    expect(tx!.primary).toEqual(h.route.primary);
    // exactly one Received header prepended, the stored bytes unchanged after it
    const original = h.store.objects.get(key)!;
    const sent = tx!.bytes;
    const prefixLength = sent.length - original.length;
    expect(sent.subarray(prefixLength).equals(original)).toBe(true);
    const prefix = sent.subarray(0, prefixLength).toString();
    expect(prefix).toMatch(/^Received: from inbound-smtp\.eu-west-1\.amazonaws\.com\r\n\tby mx2\.example\.com with ESMTP id \S+\r\n\tfor <bob@example\.com>;\r\n\tMon, 05 Jan 2026 10:01:30 \+0000\r\n$/);

    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('delivered');
    expect(await h.ledger.attempts(messageId)).toEqual([expect.objectContaining({ recipient: 'bob@example.com', state: 'delivered', relay: 'mail.example.com:2525', delaySeconds: 90 })]);
    expect(h.queue.all()).toHaveLength(0);
    expect(h.log.attempts).toEqual([
      { messageId, recipient: 'bob@example.com', relay: 'mail.example.com:2525', delaySeconds: 90, dsn: '2.0.0', status: 'delivered', reply: '250 2.0.0 Ok: queued', route: 'main' },
    ]);
    expect(h.metrics.total('Delivered')).toBe(1);
    expect(h.metrics.delays).toEqual([{ seconds: 90, route: 'main' }]);
    expect(h.transports.opened).toHaveLength(1);
    expect(h.transports.closed).toBe(1);
    expect(h.routeState.leases.size).toBe(0); // released
  });

  it('uses one pooled transport for many messages and orders the ledger before the delete', async () => {
    const h = harness({ concurrency: 4 });
    for (let i = 0; i < 25; i++) await h.arrive({ messageId: `m${i}` });
    const summary = await h.runDrain();
    expect(summary.delivered).toBe(25);
    expect(h.transports.opened).toHaveLength(1);
    expect(h.queue.all()).toHaveLength(0);
    for (let i = 0; i < 25; i++) expect(h.ledger.stateOf(`m${i}`, 'bob@example.com')).toBe('delivered');
    expect((await h.index.listQueued()).length).toBe(0);
  });

  it('handles a per-recipient 451/550 mix: delivered, deferred with backoff, bounced with a DSN', async () => {
    const h = harness();
    h.transports.reply('temp@example.com', reply451).reply('gone@example.com', reply550);
    const { messageId } = await h.arrive({ recipients: ['ok@example.com', 'temp@example.com', 'gone@example.com'] });
    const summary = await h.runDrain();

    expect(summary).toMatchObject({ delivered: 1, deferred: 1, bounced: 1 });
    expect(h.ledger.stateOf(messageId, 'ok@example.com')).toBe('delivered');
    expect(h.ledger.stateOf(messageId, 'temp@example.com')).toBe('deferred');
    expect(h.ledger.stateOf(messageId, 'gone@example.com')).toBe('bounced');
    expect(h.bounces.sent).toHaveLength(1);
    expect(h.bounces.sent[0]!.envelope).toEqual({ from: '', to: ['alice@sender.example'] });
    expect(h.bounces.sent[0]!.raw).toContain('Final-Recipient: rfc822; gone@example.com');
    expect(h.bounces.sent[0]!.raw).not.toContain('Final-Recipient: rfc822; temp@example.com');
    const dsn = await simpleParser(h.bounces.sent[0]!.raw);
    expect(dsn.attachments[0]!.content.toString()).toContain('Subject: Quarterly numbers');
    // the message stays, hidden for the first backoff step
    expect(h.queue.defers).toEqual([{ body: expect.any(String), delaySeconds: 300 }]);
    expect(h.queue.all()).toHaveLength(1);
  });

  it('a retried message skips recipients already final and backs off further', async () => {
    const h = harness();
    h.transports.reply('temp@example.com', reply451, reply451);
    const { messageId } = await h.arrive({ recipients: ['ok@example.com', 'temp@example.com'] });
    await h.runDrain();
    h.clock.advance(300);
    await h.runDrain();
    expect(h.transports.envelopes.map((e) => e.to)).toEqual([['ok@example.com', 'temp@example.com'], ['temp@example.com']]);
    expect(h.queue.defers.map((d) => d.delaySeconds)).toEqual([300, 600]);
    h.clock.advance(600);
    const third = await h.runDrain();
    expect(third.delivered).toBe(1);
    expect(h.transports.envelopes[2]!.to).toEqual(['temp@example.com']);
    expect(h.queue.all()).toHaveLength(0);
    expect((await h.ledger.outcomes(messageId)).get('temp@example.com')).toMatchObject({ state: 'delivered', attempts: 3 });
    expect(h.transports.transactions[2]!.bytes.toString()).toMatch(/^Received: [^]*?\tfor <temp@example\.com>;/);
  });

  it('a connection drop defers the message, marks the primary down and stops the route', async () => {
    const h = harness();
    const first = await h.arrive({ messageId: 'first' });
    for (let i = 0; i < 3; i++) await h.arrive({ messageId: `later${i}` });
    h.transports.failNextSession({ text: 'Connection closed unexpectedly', errorCode: 'ECONNECTION' });
    const summary = await h.runDrain();

    expect(summary).toMatchObject({ stoppedBecause: 'connection-failed', deferred: 1, delivered: 0, released: 3 });
    expect(h.transports.transactions).toHaveLength(1);
    expect(h.ledger.stateOf(first.messageId, 'bob@example.com')).toBe('deferred');
    const health = await h.routeState.health('main');
    expect(health).toMatchObject({ status: 'down', consecutiveFailures: 1, lastError: expect.stringContaining('Connection closed') });
    expect(h.queue.defers[0]).toEqual({ body: first.body, delaySeconds: 60 });
    // untried messages visible again, nothing deleted
    expect(h.queue.all()).toHaveLength(4);
    expect((await h.queue.depth()).visible).toBe(3);
    expect(h.log.attempts[0]).toMatchObject({ status: 'deferred', dsn: '4.4.1' });
    // and the next drain refuses to run until the probe sees the primary up
    expect((await h.runDrain()).stoppedBecause).toBe('primary-down');
  });

  it('treats a transport that cannot even open as a connection failure', async () => {
    const h = harness();
    await h.arrive();
    h.transports.openError = Object.assign(new Error('connect ECONNREFUSED 192.0.2.1:2525'), { code: 'ECONNREFUSED' });
    const summary = await h.runDrain();
    expect(summary).toMatchObject({ stoppedBecause: 'connection-failed', deferred: 1 });
    expect(h.log.attempts[0]).toMatchObject({ dsn: '4.4.1', reply: expect.stringContaining('ECONNREFUSED') });
    expect(h.queue.all()).toHaveLength(1);
  });

  it('warns about a possible duplicate when the drop came after the final dot', async () => {
    const h = harness();
    await h.arrive();
    h.transports.failNextSession({ afterData: true, errorCode: 'ESOCKET' });
    await h.runDrain();
    expect(h.log.lines.some((l) => l.level === 'warn' && /possible duplicate/.test(l.message))).toBe(true);
    expect(h.queue.all()).toHaveLength(1);
  });

  it('relays a null-sender message with MAIL FROM:<> and never answers it with a DSN', async () => {
    const h = harness();
    h.transports.reply('gone@example.com', reply550);
    const { messageId } = await h.arrive({ sender: '', recipients: ['bob@example.com', 'gone@example.com'] });
    await h.runDrain();
    expect(h.transports.envelopes[0]!.from).toBe('');
    expect(h.bounces.sent).toHaveLength(0);
    // The primary refused a bounce: nobody to tell, so the notice is suppressed and recorded (issue 17), no dead letter.
    expect(await h.deadLetters.get(messageId)).toBeUndefined();
    expect((await h.ledger.outcomes(messageId)).get('gone@example.com')).toMatchObject({ state: 'bounced', notice: 'done', noticeResult: { kind: 'suppressed', why: 'null sender' } });
    expect(h.metrics.total('NoticesSuppressed')).toBe(1);
    expect(h.queue.all()).toHaveLength(0);
  });

  it('delivers to BCC recipients that are only in the envelope', async () => {
    const h = harness();
    const fixture = JSON.parse(readFileSync(new URL('../../../fixtures/ses/bcc-recipients.json', import.meta.url), 'utf8'));
    h.store.put(fixture.receipt.action.objectKey, rawMessage({ to: 'bob@example.com, carol@example.com' }));
    fixture.mail.timestamp = h.clock.now().toISOString();
    await h.queue.enqueue(JSON.stringify(fixture));
    await h.runDrain();
    expect(h.transports.envelopes[0]!.to).toEqual(['bob@example.com', 'carol@example.com', 'dave@example.com']);
    const sent = h.transports.transactions[0]!.bytes.toString();
    expect(sent).not.toContain('dave@example.com');
    expect(h.ledger.stateOf(fixture.mail.messageId, 'dave@example.com')).toBe('delivered');
  });

  it('keeps 8-bit bytes, bare LF and lines over 998 bytes unchanged', async () => {
    const h = harness();
    const raw = Buffer.concat([
      Buffer.from('Received: from x by inbound-smtp.us-east-1.amazonaws.com\nSubject: 8bit\n\n'),
      Buffer.from([0xc3, 0xa9, 0xff, 0x0a]),
      Buffer.from(`${'y'.repeat(3000)}\n.\n`),
    ]);
    const { key } = await h.arrive({ raw });
    await h.runDrain();
    const sent = h.transports.transactions[0]!.bytes;
    const original = h.store.objects.get(key)!;
    expect(sent.subarray(sent.length - original.length).equals(original)).toBe(true);
    const header = sent.subarray(0, sent.length - original.length).toString();
    expect(header).toMatch(/^Received: from inbound-smtp\.us-east-1\.amazonaws\.com\n\tby/);
    expect(header).not.toContain('\r');
  });
});
