// Issue 19 item 5: a message to 2,000 recipients (a route with no recipient
// list) takes a fair share of transactions per turn, so the rest of the queue
// is not starved, and its sender gets one DSN listing every refused recipient,
// however many turns and drains its pass takes.
import { describe, expect, it } from 'vitest';
import type { SmtpReply } from '../../../../lambdas/core/model.js';
import { DEFAULT_TRANSACTIONS_PER_TURN } from '../../../../lambdas/core/drain/recipient-batches.js';
import { harness } from '../../../support/world/engine-harness.js';

const unknown: SmtpReply = { code: 550, enhanced: '5.1.1', text: 'User unknown in virtual mailbox table' };
const later: SmtpReply = { code: 451, enhanced: '4.3.0', text: 'Temporary lookup failure' };
const ok: SmtpReply = { code: 250, enhanced: '2.0.0', text: 'Ok' };
const list = (n: number) => Array.from({ length: n }, (_, i) => `user${i}@example.com`);
/** Every 7th address is unknown to the primary; every 101st answers 451 once, then 250. */
const refused = (r: string) => Number(/\d+/.exec(r)![0]) % 7 === 3;
const deferredOnce = (r: string) => Number(/\d+/.exec(r)![0]) % 101 === 5;

/** A harness whose primary takes one second of the manual clock per transaction. */
function timedHarness(...args: Parameters<typeof harness>) {
  const h = harness(...args);
  const open = h.transports.open.bind(h.transports);
  h.transports.open = async (p) => {
    const t = await open(p);
    return { ...t, send: async (e, c) => { const r = await t.send(e, c); h.clock.advance(1); return r; } };
  };
  return h;
}

/** Recipients each accepted, counted over every transaction. */
function acceptedCounts(h: ReturnType<typeof harness>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of h.transports.transactions) {
    for (const { recipient, reply } of t.result.replies) if (reply.code === 250) counts.set(recipient, (counts.get(recipient) ?? 0) + 1);
  }
  return counts;
}

const finalRecipients = (raw: string) => [...raw.matchAll(/^Final-Recipient: rfc822; (.*)$/gm)].map((m) => m[1]!.trim());

describe('a message with 2,000 recipients among 50 ordinary ones', () => {
  it('delivers the 50 in the first drain, finishes the big one over several turns and drains, and sends it one DSN listing every refusal', async () => {
    const h = timedHarness();
    const big = list(2000);
    for (const r of big.filter(refused)) h.transports.reply(r, unknown);
    for (const r of big.filter(deferredOnce)) h.transports.reply(r, later, ok);
    const { messageId } = await h.arrive({ messageId: 'big', recipients: big });
    const ordinary = [];
    for (let i = 0; i < 50; i++) ordinary.push((await h.arrive({ messageId: `m${i}`, sender: `s${i}@sender.example`, recipients: ['bob@example.com'] })).messageId);

    // 100 s of budget = 100 transactions: the big one's turn, the 50, then more of its turns.
    const first = await h.runDrain(100);
    for (const id of ordinary) expect(h.ledger.stateOf(id, 'bob@example.com')).toBe('delivered');
    expect(first.stoppedBecause).toBe('time-budget');
    const tried = [...(await h.ledger.outcomes(messageId)).values()];
    expect(tried.length).toBeLessThan(2000);
    // The order of the first drain: one share of the big message, then every ordinary one.
    expect(h.transports.envelopes.slice(0, DEFAULT_TRANSACTIONS_PER_TURN).every((e) => e.to.length === 10)).toBe(true);
    expect(h.transports.envelopes.slice(DEFAULT_TRANSACTIONS_PER_TURN, DEFAULT_TRANSACTIONS_PER_TURN + 50).every((e) => e.to.length === 1)).toBe(true);
    // Refusals so far wait for the pass's one DSN; no "not attempted" line per recipient left.
    expect(h.bounces.sent).toEqual([]);
    expect(tried.filter((o) => o.state === 'bounced').every((o) => o.notice === 'due')).toBe(true);
    expect(h.log.attempts.filter((a) => a.dsn === '4.0.0' || /not attempted/.test(a.reply))).toEqual([]);
    expect(h.log.lines.filter((l) => l.message === 'message continues in a later turn').length).toBeGreaterThan(1);

    let drains = 1;
    while (h.queue.all().length > 0 && drains < 20) {
      h.clock.advance(3600); // past any back-off
      await h.runDrain(100);
      drains += 1;
    }
    expect(h.queue.all()).toEqual([]);
    expect(drains).toBeGreaterThan(2);

    const outcomes = await h.ledger.outcomes(messageId);
    const bounced = big.filter(refused);
    expect(big.filter((r) => outcomes.get(r)?.state === 'bounced')).toEqual(bounced);
    expect(big.filter((r) => outcomes.get(r)?.state === 'delivered')).toEqual(big.filter((r) => !refused(r)));
    expect(bounced.every((r) => outcomes.get(r)?.notice === 'done' && outcomes.get(r)?.noticeResult?.kind === 'dsn')).toBe(true);

    // Exactly one DSN for the big message, listing every refused recipient once.
    const toBig = h.bounces.sent.filter((b) => b.envelope.to[0] === 'alice@sender.example');
    expect(toBig).toHaveLength(1);
    expect(finalRecipients(toBig[0]!.raw).sort()).toEqual([...bounced].sort());
    expect(h.bounces.sent).toHaveLength(1);

    // No recipient accepted twice; the 451-once ones were tried again in a later pass only.
    const counts = acceptedCounts(h);
    expect(counts.get('bob@example.com')).toBe(50); // once per ordinary message
    counts.delete('bob@example.com');
    expect([...counts.entries()].filter(([, n]) => n > 1)).toEqual([]);
    expect(counts.size).toBe(2000 - bounced.length);
    expect(h.transports.envelopes.filter((e) => e.to.includes('user5@example.com'))).toHaveLength(2); // 451, then 250 a pass later
  });

  it('a pass that never ends (the primary went down mid-pass) reports its refusals in the expiry DSN: one notice', async () => {
    const h = timedHarness({ queueLifetimeSeconds: 86_400 });
    const big = list(300);
    for (const r of big.filter(refused)) h.transports.reply(r, unknown);
    const { messageId } = await h.arrive({ messageId: 'big', recipients: big });
    await h.runDrain(5); // 5 transactions, then the budget is spent
    await h.primaryDown();
    expect(h.bounces.sent).toEqual([]);
    h.clock.advance(86_400 + 60);
    await h.runSweep();
    expect(h.bounces.sent).toHaveLength(1);
    const raw = h.bounces.sent[0]!.raw;
    const outcomes = await h.ledger.outcomes(messageId);
    const dueRefused = big.slice(0, 50).filter(refused);
    expect(dueRefused.every((r) => outcomes.get(r)?.state === 'bounced' && outcomes.get(r)?.notice === 'done')).toBe(true);
    expect(finalRecipients(raw).sort()).toEqual([...big.slice(0, 50).filter(refused), ...big.slice(50)].sort());
    expect(raw).toMatch(/refused some of them permanently \(status 5\.x\.x\)/);
    expect(raw).toContain('Status: 5.1.1');
    expect(raw).toContain('Status: 4.4.7');
  });

  it('a refusal waits for its pass only: a recipient deferred for days does not hold back the DSN', async () => {
    const h = timedHarness();
    const big = list(25);
    h.transports.reply('user3@example.com', unknown);
    h.transports.reply('user20@example.com', later, later, later);
    await h.arrive({ messageId: 'big', recipients: big });
    await h.runDrain(600);
    expect(h.bounces.sent).toHaveLength(1);
    expect(finalRecipients(h.bounces.sent[0]!.raw)).toEqual(['user3@example.com']);
    expect(h.queue.all()).toHaveLength(1); // user20 waits for its back-off
  });

  it('a recipient deferred in one turn is not tried again in the next turns of the same pass: it waits for the back-off', async () => {
    const h = timedHarness();
    const big = list(250);
    h.transports.reply('user5@example.com', later, later, later, later);
    await h.arrive({ messageId: 'big', recipients: big });
    const summary = await h.runDrain(600); // the whole pass: three turns in one drain
    expect(summary.stoppedBecause).toBe('queue-empty');
    expect(h.transports.envelopes.filter((e) => e.to.includes('user5@example.com'))).toHaveLength(1);
    expect(h.transports.envelopes.flatMap((e) => e.to)).toHaveLength(250);
    // Not finished while user5 waits: the pass's last turn defers the message with the back-off.
    expect(h.queue.all()).toHaveLength(1);
    expect(h.ledger.stateOf('big', 'user5@example.com')).toBe('deferred');
    expect(h.queue.defers.map((d) => d.delaySeconds)).toEqual([0, 0, expect.any(Number)]);
    expect(h.queue.defers.at(-1)!.delaySeconds).toBeGreaterThan(0);
  });

  it('the null sender and an unauthenticated sender get no DSN however many turns', async () => {
    for (const opts of [{ sender: '' }, { verdicts: { spf: 'GRAY' as const, dkim: 'GRAY' as const, dmarc: 'GRAY' as const } }]) {
      const h = timedHarness();
      const big = list(250);
      for (const r of big.filter(refused)) h.transports.reply(r, unknown);
      const { messageId } = await h.arrive({ messageId: 'big', recipients: big, ...opts });
      for (let i = 0; i < 5 && h.queue.all().length > 0; i++) await h.runDrain(600);
      expect(h.queue.all()).toEqual([]);
      expect(h.bounces.sent).toEqual([]);
      const outcomes = await h.ledger.outcomes(messageId);
      expect(big.filter(refused).every((r) => outcomes.get(r)?.notice === 'done' && outcomes.get(r)?.noticeResult?.kind !== 'dsn')).toBe(true);
    }
  });

  it("past the route's hourly budget the one DSN is held for the operator, listing every refusal", async () => {
    const h = timedHarness({}, { dsnPerHour: 0 });
    const big = list(120);
    for (const r of big.filter(refused)) h.transports.reply(r, unknown);
    await h.arrive({ messageId: 'big', recipients: big });
    await h.runDrain(600);
    expect(h.bounces.sent).toEqual([]);
    const held = await h.heldNotices.list('main');
    expect(held).toHaveLength(1);
    expect([...held[0]!.recipients].sort()).toEqual(big.filter(refused).sort());
  });
});
