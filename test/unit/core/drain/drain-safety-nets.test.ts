// The drain's safety nets: a message whose session keeps failing while the
// probe says "up" never reaches SQS's DLQ redrive untracked; two copies of one
// message are never delivered at once; a hold stops received messages; a
// bounce gets one notice even when the ledger write after it fails.
import { describe, expect, it } from 'vitest';
import { MessageOutcomes, REENQUEUE_AT_RECEIVE_COUNT } from '../../../../lambdas/core/outcome/message-outcomes.js';
import { RetryPolicy } from '../../../../lambdas/core/policy/retry-policy.js';
import { harness } from '../../../support/world/engine-harness.js';

type Harness = ReturnType<typeof harness>;

const AUTH_FAILURE = { errorCode: 'EAUTH', text: 'AUTH PLAIN: Invalid login: 535 5.7.8 Authentication credentials invalid' };

/** What the probe records when the primary answers its EHLO. */
async function primaryUp(h: Harness): Promise<void> {
  await h.routeState.saveHealth({ route: 'main', status: 'up', since: h.clock.now(), lastCheckAt: h.clock.now(), consecutiveFailures: 0 });
}

/** Moves the clock to when the (only) queue entry is visible again, a minute at least (the probe's schedule). */
function untilVisible(h: Harness): void {
  const entry = h.queue.all()[0];
  const wait = entry ? (entry.visibleAt.getTime() - h.clock.now().getTime()) / 1000 : 0;
  h.clock.advance(Math.max(60, wait));
}

describe('DrainRoute safety nets', () => {
  it('holds the route lease past its budget by the configured margin (a message in hand may take the SMTP timeout)', async () => {
    for (const [margin, expected] of [[undefined, 60], [360, 360]] as const) {
      const h = harness(margin === undefined ? {} : { leaseMarginSeconds: margin });
      h.routeState.releaseLease = async () => {}; // keep the lease to look at it
      const start = h.clock.now().getTime();
      await h.runDrain(100);
      expect(h.routeState.leases.get('main')?.leaseUntil.getTime()).toBe(start + (100 + expected) * 1000);
    }
  });

  it('a session that always fails while the probe says up (wrong AUTH password) ends in expiry and a DSN, never the DLQ redrive', async () => {
    const h = harness();
    h.queue.maxReceiveCount = 1000; // the queues' redrive policy
    const { messageId } = await h.arrive();
    let drains = 0;
    while (h.queue.all().length > 0 && drains < 3000) {
      drains += 1;
      await primaryUp(h);
      h.transports.failNextSession(AUTH_FAILURE);
      await h.runDrain();
      untilVisible(h);
    }
    expect(h.queue.redriven).toEqual([]);
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('expired');
    expect(h.bounces.sent).toHaveLength(1);
    expect(h.bounces.sent[0]!.raw).toContain('Final-Recipient: rfc822; bob@example.com');
    // backed off by attempts: 5 days at up to 1 h apart, not one receive a minute
    expect(drains).toBeLessThan(200);
  });

  it('backs off repeated session failures by attempts: short at first, then the normal backoff', async () => {
    const h = harness();
    const { body } = await h.arrive();
    for (let i = 0; i < 8; i++) {
      await primaryUp(h);
      h.transports.failNextSession({ text: 'Connection closed unexpectedly', errorCode: 'ECONNECTION' });
      expect((await h.runDrain()).stoppedBecause).toBe('connection-failed');
      untilVisible(h);
    }
    expect(h.queue.defers.filter((d) => d.body === body).map((d) => d.delaySeconds)).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600]);
  });

  it('an AUTH refusal (EAUTH, 535 5.7.8) takes the loud misconfiguration path: deferred, route stopped', async () => {
    const h = harness({}, { primary: { host: 'mail.example.com', port: 2525, tls: 'required', authSecretName: 'primary-auth' } });
    const { messageId } = await h.arrive();
    await h.arrive();
    h.transports.failNextSession(AUTH_FAILURE);
    const summary = await h.runDrain();
    expect(summary).toMatchObject({ stoppedBecause: 'connection-failed', deferred: 1, bounced: 0, released: 1 });
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('deferred');
    const loud = h.log.lines.find((l) => l.level === 'error' && /PRIMARY REFUSES US/.test(l.message));
    expect(loud?.fields).toMatchObject({ route: 'main', auth: true, reply: expect.stringContaining('535 5.7.8') });
    // Recorded as the probe records a refusal, so its AUTH backoff applies (probe-auth-backoff.test.ts).
    expect((await h.routeState.health('main'))?.lastError).toMatch(/^primary refuses our credentials: drain: .*535 5\.7\.8/);
  });

  it('re-enqueues a fresh copy before anything else once a message was received 900 times (store/ledger trouble loops too)', async () => {
    const h = harness();
    h.queue.maxReceiveCount = 1000;
    const { body } = await h.arrive();
    h.ledger.outcomesFor = async () => {
      throw new Error('ProvisionedThroughputExceeded');
    };
    let reenqueued = 0;
    for (let i = 0; i < 1100; i++) {
      const summary = await h.runDrain();
      reenqueued += summary.reenqueued;
      h.clock.advance(300); // the visibility timeout
    }
    expect(h.queue.redriven).toEqual([]);
    expect(h.queue.all().map((e) => e.body)).toEqual([body]);
    expect(reenqueued).toBe(1);
    expect(h.queue.enqueued.at(-1)).toEqual({ body, delaySeconds: 0 });
    expect(h.log.lines.some((l) => l.level === 'warn' && /received too often/.test(l.message) && l.fields?.receiveCount === REENQUEUE_AT_RECEIVE_COUNT)).toBe(true);
  });

  it('postpone replaces an entry received 900 times by a fresh copy with the same delay', async () => {
    const h = harness();
    const { body } = await h.arrive();
    const outcomes = new MessageOutcomes(h.deps, { hostname: 'mx2.example.com' }, new RetryPolicy());
    let [qm] = await h.queue.receive(1, 0);
    expect(await outcomes.postpone(h.queue, qm!, 120)).toBe('deferred');
    h.clock.advance(120);
    for (;;) {
      [qm] = await h.queue.receive(1, 0);
      if (qm!.receiveCount >= REENQUEUE_AT_RECEIVE_COUNT) break;
      await h.queue.defer(qm!.handle, 0);
    }
    expect(qm!.receiveCount).toBe(REENQUEUE_AT_RECEIVE_COUNT);
    expect(await outcomes.postpone(h.queue, qm!, 120)).toBe('reenqueued');
    expect(h.queue.all()).toEqual([expect.objectContaining({ body, receiveCount: 0, delayed: true })]);
    expect(h.queue.enqueued.at(-1)).toEqual({ body, delaySeconds: 120 });
  });

  it('two queue copies of one message in a batch are delivered once', async () => {
    const h = harness({ concurrency: 4 });
    const { body, messageId } = await h.arrive({ recipients: ['bob@example.com', 'carol@example.com'] });
    await h.queue.enqueue(body); // SNS delivered it twice
    await h.runDrain();
    expect(h.transports.envelopes.map((e) => e.to)).toEqual([['bob@example.com', 'carol@example.com']]);
    expect(h.queue.defers).toEqual([{ body, delaySeconds: 60 }]);
    expect(h.queue.all()).toHaveLength(1);

    h.clock.advance(60);
    await h.runDrain();
    expect(h.transports.transactions).toHaveLength(1); // the ledger skips the delivered recipients
    expect(h.queue.all()).toHaveLength(0);
    expect(h.ledger.stateOf(messageId, 'carol@example.com')).toBe('delivered');
  });

  it('a drop after the final dot waits the normal backoff (the primary probably kept it) and still stops the route', async () => {
    const h = harness();
    const { body } = await h.arrive();
    await h.arrive();
    h.transports.failNextSession({ afterData: true, errorCode: 'ETIMEDOUT', text: 'Timeout' });
    const summary = await h.runDrain();
    expect(summary).toMatchObject({ stoppedBecause: 'connection-failed', released: 1 });
    expect(h.queue.defers[0]).toEqual({ body, delaySeconds: 300 });
    expect(h.log.lines.some((l) => l.level === 'warn' && /possible duplicate/.test(l.message))).toBe(true);
    expect((await h.routeState.health('main'))?.status).toBe('down');
  });

  it('sends one DSN when the ledger write after it fails once', async () => {
    const h = harness();
    h.transports.reply('gone@example.com', { code: 550, enhanced: '5.1.1', text: 'User unknown' });
    const { messageId } = await h.arrive({ recipients: ['gone@example.com'] });
    const send = h.bounces.send.bind(h.bounces);
    h.bounces.send = async (raw, envelope) => {
      await send(raw, envelope);
      h.ledger.failNext.record = new Error('ProvisionedThroughputExceeded');
    };
    const summary = await h.runDrain();
    expect(summary).toMatchObject({ bounced: 1, errors: 0 });
    expect(h.ledger.stateOf(messageId, 'gone@example.com')).toBe('bounced');
    expect(h.queue.all()).toHaveLength(0);
    h.clock.advance(3600);
    await h.runDrain();
    expect(h.bounces.sent).toHaveLength(1);
    expect(h.transports.transactions).toHaveLength(1);
  });

  it('when the ledger cannot record the bounce, sends no DSN and leaves the message for retry (never recorded deferred)', async () => {
    const h = harness();
    h.transports.reply('gone@example.com', { code: 550, enhanced: '5.1.1', text: 'User unknown' });
    const { messageId } = await h.arrive({ recipients: ['gone@example.com'] });
    const record = h.ledger.record.bind(h.ledger);
    h.ledger.record = async (id, outcome) => {
      if (outcome.state === 'bounced') throw new Error('ledger down');
      return record(id, outcome);
    };
    const summary = await h.runDrain();
    expect(summary.errors).toBe(1);
    expect(h.bounces.sent).toHaveLength(0); // recorded pending before the notice: nothing sent
    expect(h.ledger.writes.filter((w) => w.messageId === messageId && w.outcome.state === 'deferred')).toEqual([]);
    expect(h.queue.defers).toEqual([]);
    expect(h.queue.all()).toHaveLength(1); // back after its visibility timeout
  });

  it('sends a DSN once even when recording it as sent fails: the bounce was final before the notice', async () => {
    const h = harness();
    h.transports.reply('gone@example.com', { code: 550, enhanced: '5.1.1', text: 'User unknown' });
    const { messageId } = await h.arrive({ recipients: ['gone@example.com', 'bob@example.com'] });
    const record = h.ledger.record.bind(h.ledger);
    h.ledger.record = async (id, outcome) => {
      if (outcome.notice === 'done') throw new Error('ledger throttled');
      return record(id, outcome);
    };
    await h.runDrain();
    expect(h.bounces.sent).toHaveLength(1);
    expect((await h.ledger.outcomes(messageId)).get('gone@example.com')).toMatchObject({ state: 'bounced', notice: 'pending' });
    expect(h.queue.all()).toEqual([]); // every recipient final: done
    // a late second copy (SNS at-least-once) finds the unconfirmed notice: a dead letter, not a second DSN
    await h.queue.enqueue(h.queue.enqueued[0]!.body);
    h.ledger.record = record;
    await h.runDrain();
    expect(h.bounces.sent).toHaveLength(1);
    expect(await h.deadLetters.get(messageId)).toMatchObject({ reason: 'bounced', detail: expect.stringContaining('not confirmed') });
    expect((await h.ledger.outcomes(messageId)).get('gone@example.com')).toMatchObject({ notice: 'done' });
  });

  it('a hold set while the drain runs stops the messages already received', async () => {
    const h = harness();
    for (let i = 0; i < 10; i++) await h.arrive({ messageId: `m${i}` });
    const recordAttempts = h.ledger.recordAttempts.bind(h.ledger);
    h.ledger.recordAttempts = async (id, entries) => {
      await recordAttempts(id, entries);
      if (id === 'm0') {
        await h.routeState.setHold('main', { since: h.clock.now(), reason: 'migration' });
        h.clock.advance(6); // past the hold cache
      }
    };
    const summary = await h.runDrain();
    expect(summary).toMatchObject({ stoppedBecause: 'held', delivered: 1, released: 9 });
    expect(h.transports.transactions).toHaveLength(1);
    expect((await h.queue.depth()).visible).toBe(9);
  });

  it('keeps the queue entry when the index cannot be marked done, so mailq never lists a finished message for good', async () => {
    const h = harness();
    const { messageId } = await h.arrive();
    await h.index.add({ messageId, route: 'main', sender: 'alice@sender.example', recipients: ['bob@example.com'], receivedAt: h.clock.now(), state: 'queued' });
    const markDone = h.index.markDone.bind(h.index);
    let failures = 2;
    h.index.markDone = async (...args) => {
      if (failures-- > 0) throw new Error('ThrottlingException');
      return markDone(...args);
    };
    await h.runDrain();
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('delivered');
    expect(h.queue.all()).toHaveLength(1); // back in 60 s
    h.clock.advance(61);
    await h.runDrain();
    expect(h.transports.transactions).toHaveLength(1); // not sent again
    expect(h.queue.all()).toEqual([]);
    expect((await h.index.get(messageId, 'main'))?.state).toBe('done');
  });
});
