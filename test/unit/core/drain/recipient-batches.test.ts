import { describe, expect, it } from 'vitest';
import type { SmtpReply } from '../../../../lambdas/core/model.js';
import type { Envelope, SmtpTransportFactory, TransactionResult } from '../../../../lambdas/core/drain/ports.js';
import { splitRecipients, unansweredAfterErrorLimit } from '../../../../lambdas/core/drain/recipient-batches.js';
import { harness } from '../../../support/world/engine-harness.js';

const unknown: SmtpReply = { code: 550, enhanced: '5.1.1', text: 'User unknown in virtual mailbox table' };
const tooMany: SmtpReply = { code: 421, enhanced: '4.7.0', text: 'primary.test Error: too many errors', errorCode: 'EENVELOPE' };
const guesses = (n: number) => Array.from({ length: n }, (_, i) => `guess${i}@example.com`);

/** A primary scripted per transaction: `script(envelope, n)` gives the n-th transaction's result. */
function scripted(script: (envelope: Envelope, n: number) => TransactionResult): SmtpTransportFactory & { envelopes: Envelope[] } {
  const envelopes: Envelope[] = [];
  return {
    envelopes,
    async open() {
      return {
        send: async (envelope, content) => {
          const opened = typeof content === 'function' ? await content() : { body: content };
          if (!opened) return { connectionFailed: false, notStarted: true, replies: [] };
          for await (const _ of opened.body) void _;
          envelopes.push({ ...envelope, to: [...envelope.to] });
          return script(envelope, envelopes.length);
        },
        close: async () => undefined,
      };
    },
  };
}

describe('recipient batches', () => {
  it('splits a list in order into transactions of at most 10', () => {
    expect(splitRecipients(guesses(23)).map((b) => b.length)).toEqual([10, 10, 3]);
    expect(splitRecipients(['a'], 10)).toEqual([['a']]);
    expect(splitRecipients([], 10)).toEqual([]);
  });

  it('finds the recipients an error-limit 421 left unanswered, only when flagged', () => {
    const result: TransactionResult = { connectionFailed: true, errorLimit: true, replies: [{ recipient: 'a', reply: unknown }, { recipient: 'b', reply: tooMany }, { recipient: 'c', reply: { text: 'lost', errorCode: 'ECONNECTION' } }] };
    expect(unansweredAfterErrorLimit(result)).toEqual(['b', 'c']);
    expect(unansweredAfterErrorLimit({ ...result, errorLimit: false })).toEqual([]);
  });

  it('sends 1 valid + 45 unknown recipients as 5 transactions and tells the sender once about all 45', async () => {
    const h = harness();
    for (const r of guesses(45)) h.transports.reply(r, unknown);
    const { messageId } = await h.arrive({ recipients: [...guesses(45), 'bob@example.com'] });
    const summary = await h.runDrain();
    expect(h.transports.envelopes.map((e) => e.to.length)).toEqual([10, 10, 10, 10, 6]);
    expect(summary).toMatchObject({ delivered: 1, bounced: 45, stoppedBecause: 'queue-empty' });
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('delivered');
    expect(h.bounces.sent).toHaveLength(1);
    expect(h.bounces.sent[0]!.raw.match(/^Final-Recipient:/gm)).toHaveLength(45);
    // every transaction carries the whole message
    const sizes = new Set(h.transports.transactions.map((t) => t.bytes.length));
    expect(sizes.size).toBe(1);
  });

  it('a 421 after RCPT refusals ends that transaction only: the rest go again at once, the primary stays up', async () => {
    const h = harness();
    const list = [...guesses(3), 'bob@example.com', 'carol@example.com'];
    const primary = scripted((envelope, n) =>
      n === 1
        ? { connectionFailed: true, errorLimit: true, replies: envelope.to.map((recipient) => ({ recipient, reply: recipient.startsWith('guess') ? unknown : tooMany })) }
        : { connectionFailed: false, replies: envelope.to.map((recipient) => ({ recipient, reply: { code: 250, text: 'Ok' } })) },
    );
    const { messageId } = await h.arrive({ recipients: list });
    const drain = new (await import('../../../../lambdas/core/drain/drain-route.js')).DrainRoute({ ...h.deps, transports: primary }, { hostname: 'mx2.example.com', concurrency: 1 });
    const summary = await drain.run(h.route, { owner: 'd', budgetSeconds: 600 });
    expect(primary.envelopes.map((e) => e.to)).toEqual([list, ['bob@example.com', 'carol@example.com']]);
    expect(summary).toMatchObject({ delivered: 2, bounced: 3, stoppedBecause: 'queue-empty' });
    expect(h.ledger.stateOf(messageId, 'carol@example.com')).toBe('delivered');
    expect(h.routeState.healthHistory.filter((x) => x.status === 'down')).toEqual([]);
    expect(h.bounces.sent).toHaveLength(1);
  });

  it('starts no transaction after the drain deadline: the recipients not yet tried are left untouched for the next drain, not sent', async () => {
    const h = harness();
    const { messageId } = await h.arrive({ recipients: [...guesses(10), 'bob@example.com'] });
    const send = h.transports.open.bind(h.transports);
    h.transports.open = async (p) => {
      const t = await send(p);
      return { ...t, send: async (e, c) => { const r = await t.send(e, c); h.clock.advance(700); return r; } };
    };
    const summary = await h.runDrain(600);
    expect(h.transports.envelopes).toHaveLength(1);
    expect(summary).toMatchObject({ delivered: 10, deferred: 0 });
    // No attempt counted, no "not attempted" line per recipient: one line for the message, and visible again at once.
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBeUndefined();
    expect(h.log.attempts.filter((a) => a.recipient === 'bob@example.com')).toEqual([]);
    expect(h.log.lines.filter((l) => l.message === 'message continues in a later turn')).toMatchObject([{ fields: { tried: 10, later: 1, why: "the drain's time budget was spent" } }]);
    expect(h.queue.defers.at(-1)?.delaySeconds).toBe(0);
    expect(h.queue.all()).toHaveLength(1);
  });

  it('retries the ledger write after a 2xx instead of sending the message again', async () => {
    const h = harness();
    const { messageId } = await h.arrive();
    h.ledger.failNext.record = new Error('ProvisionedThroughputExceededException');
    const summary = await h.runDrain();
    expect(summary).toMatchObject({ delivered: 1, errors: 0 });
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('delivered');
    expect(h.transports.transactions).toHaveLength(1);
    expect(h.queue.all()).toEqual([]);
  });

  it('a hold set during a transaction stops the next one, even inside the same message', async () => {
    const h = harness();
    const { messageId } = await h.arrive({ recipients: [...guesses(10), 'bob@example.com'] });
    const open = h.transports.open.bind(h.transports);
    h.transports.open = async (p) => {
      const t = await open(p);
      return {
        ...t,
        send: async (e, c) => {
          const r = await t.send(e, c);
          await h.routeState.setHold('main', { since: h.clock.now() });
          h.clock.advance(6); // past the hold cache
          return r;
        },
      };
    };
    const summary = await h.runDrain();
    expect(h.transports.envelopes).toHaveLength(1);
    expect(summary).toMatchObject({ delivered: 10, deferred: 0, stoppedBecause: 'held' });
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBeUndefined();
    expect(h.log.lines.find((l) => l.message === 'message continues in a later turn')?.fields?.why).toContain('the route is held');
  });

  it('opens the object only once a session is free, and starts nothing when the deadline passed while it waited', async () => {
    const h = harness();
    const { body } = await h.arrive();
    let free!: () => void;
    const gate = new Promise<void>((resolve) => (free = resolve));
    let opened: unknown = 'not called';
    const waiting: SmtpTransportFactory = {
      async open() {
        return {
          send: async (envelope, content) => {
            await gate; // every session busy
            opened = typeof content === 'function' ? await content() : content;
            return { connectionFailed: false, notStarted: opened === undefined, replies: envelope.to.map((recipient) => ({ recipient, reply: { text: 'not started', errorCode: 'ENOTSTARTED' } })) };
          },
          close: async () => undefined,
        };
      },
    };
    const drain = new (await import('../../../../lambdas/core/drain/drain-route.js')).DrainRoute({ ...h.deps, transports: waiting }, { hostname: 'mx2.example.com', concurrency: 1 });
    const running = drain.run(h.route, { owner: 'd', budgetSeconds: 600 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(h.store.opened).toEqual([]); // nothing read from S3 while no session is free
    h.clock.advance(601);
    free();
    const summary = await running;
    expect(opened).toBeUndefined(); // the opener declined: past the deadline
    expect(h.store.opened).toEqual([]);
    expect(summary).toMatchObject({ released: 1, delivered: 0, deferred: 0 });
    expect(h.queue.defers).toEqual([{ body, delaySeconds: 0 }]);
  });

  it('when the ledger write keeps failing after a 2xx, re-enqueues a copy for the other recipients only', async () => {
    const h = harness({ ledgerWriteRetryMs: [0, 0, 0] });
    Object.assign(h.deps, { narrow: (await import('../../../../lambdas/adapters/ses/ses-notification.js')).narrowSesNotification });
    h.transports.reply('carol@example.com', { code: 451, enhanced: '4.3.0', text: 'try later' });
    const { messageId } = await h.arrive({ recipients: ['bob@example.com', 'carol@example.com'] });
    const recordAttempts = h.ledger.recordAttempts.bind(h.ledger);
    h.ledger.recordAttempts = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    await h.runDrain();
    expect(h.transports.transactions).toHaveLength(1);
    const copies = h.queue.all();
    expect(copies).toHaveLength(1);
    expect(h.deps.parse(copies[0]!.body)).toMatchObject({ messageId, recipients: ['carol@example.com'] });
    // the ledger is back: the copy goes to carol only, bob is not sent the message twice
    h.ledger.recordAttempts = recordAttempts;
    h.clock.advance(301);
    await h.runDrain();
    expect(h.transports.envelopes.map((e) => e.to)).toEqual([['bob@example.com', 'carol@example.com'], ['carol@example.com']]);
  });
  it('gives recipients an error-limit 421 left unanswered up to 10 new sessions per message and drain, not one more', async () => {
    // A primary whose error limit is one refusal: each session refuses the first guess and ends with 421.
    const strictPrimary = () =>
      scripted((envelope) =>
        envelope.to[0]!.startsWith('guess')
          ? { connectionFailed: true, errorLimit: true, replies: envelope.to.map((recipient, i) => ({ recipient, reply: i === 0 ? unknown : tooMany })) }
          : { connectionFailed: false, replies: envelope.to.map((recipient) => ({ recipient, reply: { code: 250, text: 'Ok' } })) },
      );
    const drainWith = async (guessCount: number) => {
      const h = harness();
      const primary = strictPrimary();
      const { messageId } = await h.arrive({ recipients: [...guesses(guessCount), 'bob@example.com'] });
      const drain = new (await import('../../../../lambdas/core/drain/drain-route.js')).DrainRoute({ ...h.deps, transports: primary }, { hostname: 'mx2.example.com', concurrency: 1, maxRecipientsPerTransaction: 100 });
      const summary = await drain.run(h.route, { owner: 'd', budgetSeconds: 600 });
      return { h, primary, messageId, summary };
    };

    // 10 refusals ahead of bob: the 10th new session reaches him.
    const ten = await drainWith(10);
    expect(ten.primary.envelopes).toHaveLength(1 + 10);
    expect(ten.h.ledger.stateOf(ten.messageId, 'bob@example.com')).toBe('delivered');
    expect(ten.summary).toMatchObject({ delivered: 1, bounced: 10 });

    // 11 refusals ahead: after the 10th new session he waits for the next drain, and the primary is not marked down.
    const eleven = await drainWith(11);
    expect(eleven.primary.envelopes).toHaveLength(1 + 10);
    expect(eleven.h.ledger.stateOf(eleven.messageId, 'bob@example.com')).toBe('deferred');
    expect(eleven.summary).toMatchObject({ delivered: 0, bounced: 11, deferred: 1 });
    expect(eleven.h.routeState.healthHistory.filter((x) => x.status === 'down')).toEqual([]);
  });

  it('an object gone between two transactions of one message is "changed": nothing is dead-lettered, the delivered recipient stays delivered', async () => {
    const h = harness({ maxRecipientsPerTransaction: 1 });
    const { messageId, key } = await h.arrive({ recipients: ['bob@example.com', 'carol@example.com'] });
    const open = h.transports.open.bind(h.transports);
    h.transports.open = async (primary) => {
      const transport = await open(primary);
      return {
        ...transport,
        send: async (envelope, content) => {
          const result = await transport.send(envelope, content);
          h.store.objects.delete(key); // removed (or replaced) while the message is being delivered
          return result;
        },
      };
    };

    const summary = await h.runDrain();

    expect(h.transports.envelopes.map((e) => e.to)).toEqual([['bob@example.com']]);
    expect(summary).toMatchObject({ errors: 1, deadLettered: 0 });
    expect(await h.deadLetters.list()).toEqual([]);
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('delivered');
    expect(h.ledger.stateOf(messageId, 'carol@example.com')).toBeUndefined();
    expect(h.log.lines).toContainEqual(expect.objectContaining({ level: 'error', fields: expect.objectContaining({ error: expect.stringContaining('changed while it was being delivered') }) }));
    expect(h.queue.all()).toHaveLength(1); // left for retry after its visibility timeout

    // The next drain finds the object missing before any transaction: carol alone is dead-lettered, bob stays delivered.
    h.clock.advance(301);
    await h.runDrain(600, 'drain-2');
    expect(h.ledger.stateOf(messageId, 'carol@example.com')).toBe('dead-lettered');
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('delivered');
    expect(await h.deadLetters.get(messageId)).toMatchObject({ reason: 'object-missing' });
  });
});
