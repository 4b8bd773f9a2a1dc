import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { copyKeyOf } from '../../../../lambdas/core/message/message-copy.js';
import { harness } from '../engine-harness.js';
import { rawMessage } from '../../../support/ses-events.js';

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

  it('leaves the message on the queue when the store, ledger or queue fails', async () => {
    const h = harness();
    await h.arrive();
    h.store.failNext = new Error('S3 SlowDown');
    let summary = await h.runDrain();
    expect(summary).toMatchObject({ errors: 1, delivered: 0 });
    expect(h.queue.all()).toHaveLength(1);

    h.clock.advance(300);
    h.ledger.failNext.outcomes = new Error('ProvisionedThroughputExceeded');
    summary = await h.runDrain();
    expect(summary.errors).toBe(1);
    expect(h.transports.transactions).toHaveLength(0);

    h.clock.advance(300);
    h.queue.failNext.delete = new Error('SQS unavailable');
    summary = await h.runDrain();
    expect(summary).toMatchObject({ delivered: 1, errors: 1 });
    expect(h.queue.all()).toHaveLength(1); // delivered, ledger says so, but not deleted

    h.clock.advance(300);
    summary = await h.runDrain();
    expect(h.transports.transactions).toHaveLength(1); // no second delivery
    expect(h.queue.all()).toHaveLength(0);
  });

  it('stops with queue-error when receive fails', async () => {
    const h = harness();
    h.queue.failNext.receive = new Error('SQS down');
    expect((await h.runDrain()).stoppedBecause).toBe('queue-error');
  });

  it('does no work when another drain holds the lease', async () => {
    const h = harness();
    await h.arrive();
    await h.routeState.acquireLease('main', 'other-drain', h.clock.now(), new Date(h.clock.now().getTime() + 600_000));
    const summary = await h.runDrain();
    expect(summary.stoppedBecause).toBe('lease-held');
    expect(h.transports.transactions).toHaveLength(0);
    expect(h.routeState.leases.get('main')!.owner).toBe('other-drain');
  });

  it('does not deliver on a held route', async () => {
    const h = harness();
    await h.arrive();
    await h.routeState.setHold('main', { since: h.clock.now(), reason: 'migration' });
    expect((await h.runDrain()).stoppedBecause).toBe('held');
    expect(h.transports.transactions).toHaveLength(0);
  });

  it('stops taking messages when the time budget is spent', async () => {
    const h = harness();
    await h.arrive();
    const summary = await h.runDrain(0);
    expect(summary.stoppedBecause).toBe('time-budget');
    expect(h.queue.all()).toHaveLength(1);
  });

  it('re-enqueues an entry near SQS retention before any I/O, then tries the fresh copy', async () => {
    const h = harness({ queueLifetimeSeconds: 20 * 86_400 });
    h.transports.reply('bob@example.com', reply451);
    const { body } = await h.arrive();
    h.clock.advance(12 * 86_400);
    const summary = await h.runDrain();
    expect(summary.reenqueued).toBe(1);
    expect(h.queue.enqueued.slice(1)).toEqual([{ body, delaySeconds: 0 }]); // [0] is the arrival
    expect(h.transports.transactions).toHaveLength(1); // the copy, in the same drain
    expect(h.queue.defers.at(-1)).toEqual({ body, delaySeconds: 300 });
    const entries = h.queue.all();
    expect(entries).toHaveLength(1);
    expect(entries[0]!.enqueuedAt).toEqual(h.clock.now());
  });

  it('re-enqueues an old entry whatever would fail next: the ledger, the store or the session', async () => {
    for (const fault of ['ledger', 'store', 'session'] as const) {
      const h = harness({ queueLifetimeSeconds: 30 * 86_400 });
      const { body } = await h.arrive();
      h.clock.advance(12 * 86_400 + 1);
      if (fault === 'ledger') h.ledger.failNext.outcomes = new Error('ThrottlingException');
      if (fault === 'store') h.store.failNext = new Error('SlowDown');
      if (fault === 'session') h.transports.failNextSession();
      await h.runDrain();
      expect(h.queue.enqueued.slice(1), fault).toEqual([{ body, delaySeconds: 0 }]);
      expect(h.queue.all().every((e) => e.enqueuedAt.getTime() === h.clock.now().getTime()), fault).toBe(true);
    }
  });

  it('a message received but not started is released as a fresh copy when its entry is near the redrive count', async () => {
    const h = harness({ concurrency: 1 });
    h.queue.maxReceiveCount = 1000;
    const { body } = await h.arrive({ messageId: 'b' });
    const entry = () => h.queue.all().find((e) => e.body === body)!;
    // "b" was received 899 times already (visible again 5 s after the last one)
    for (let i = 0; i < 899; i++) await h.queue.receive(10, 0, i === 898 ? 5 : 0);
    await h.arrive({ messageId: 'a' }); // first in line; a hold set while it is delivered leaves "b" unstarted
    h.clock.advance(5);
    expect(entry().receiveCount).toBe(899);
    const send = h.transports.open.bind(h.transports);
    h.transports.open = async (p) => {
      await h.routeState.setHold('main', { since: h.clock.now() });
      h.clock.advance(10); // past the hold cache
      return send(p);
    };
    const summary = await h.runDrain();
    expect(summary.stoppedBecause).toBe('held');
    expect(h.queue.enqueued.slice(2).map((e) => e.body)).toEqual([body]); // [0], [1]: the arrivals
    expect(entry().receiveCount).toBe(0);
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
