// Delivered messages are finished (index done, then the queue entry deleted)
// off the workers' path: finishes gather into groups, wait at most a few ms,
// and the drain waits for all of them before it gives its lease back. A
// receive's ledger rows are read once, and a second copy of a message id in
// the same run reads again (the early read may predate the first copy's outcomes).
import { describe, expect, it } from 'vitest';
import { FINISH_BATCH, FinishQueue } from '../../../../lambdas/core/drain/finish-queue.js';
import type { MessageOutcomes } from '../../../../lambdas/core/outcome/message-outcomes.js';
import type { InboundMessage, Route } from '../../../../lambdas/core/model.js';
import type { MailQueue, QueuedMessage } from '../../../../lambdas/core/drain/ports.js';
import { harness } from '../../../support/world/engine-harness.js';

const route = { name: 'main' } as Route;
const queue = {} as MailQueue;
const qm = (i: number): QueuedMessage => ({ handle: `h${i}`, body: '{}', receiveCount: 1, enqueuedAt: new Date() });
const message = (i: number) => ({ messageId: `m${i}` }) as InboundMessage;

/** Records each finish call and the turn it was made in. */
function recordingOutcomes(fail?: (messageId: string) => boolean) {
  const calls: { messageId: string; turn: number }[] = [];
  let turn = 0;
  const tick = setInterval(() => (turn += 1), 1);
  const outcomes = {
    async finish(_r: Route, _q: MailQueue, _qm: QueuedMessage, m: InboundMessage) {
      calls.push({ messageId: m.messageId, turn });
      if (fail?.(m.messageId)) throw new Error(`index down for ${m.messageId}`);
    },
  } as unknown as MessageOutcomes;
  return { outcomes, calls, stop: () => clearInterval(tick) };
}

describe('FinishQueue', () => {
  it('sends a full group at once, together, and the rest after the linger or when settled', async () => {
    const r = recordingOutcomes();
    const failures: string[] = [];
    const f = new FinishQueue(r.outcomes, (_e, id) => failures.push(id), 20, 10_000);
    for (let i = 0; i < FINISH_BATCH + 3; i++) f.add(route, queue, qm(i), message(i));
    expect(r.calls).toHaveLength(FINISH_BATCH); // the full group went at once, in one turn
    expect(new Set(r.calls.map((c) => c.turn)).size).toBe(1);
    await f.settled(); // the 3 left do not wait out the (long) linger
    expect(r.calls.map((c) => c.messageId)).toEqual(Array.from({ length: FINISH_BATCH + 3 }, (_, i) => `m${i}`));
    expect(failures).toEqual([]);
    r.stop();
  });

  it('a lone finish waits at most the linger time', async () => {
    const r = recordingOutcomes();
    const f = new FinishQueue(r.outcomes, () => undefined, 20, 15);
    f.add(route, queue, qm(1), message(1));
    expect(r.calls).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(r.calls.map((c) => c.messageId)).toEqual(['m1']);
    r.stop();
  });

  it('a failed finish is reported for its message only; the others finish', async () => {
    const r = recordingOutcomes((id) => id === 'm2');
    const failures: string[] = [];
    const f = new FinishQueue(r.outcomes, (e, id) => failures.push(`${id}: ${e.message}`));
    for (let i = 1; i <= 3; i++) f.add(route, queue, qm(i), message(i));
    await f.settled();
    expect(r.calls).toHaveLength(3);
    expect(failures).toEqual(['m2: index down for m2']);
    r.stop();
  });

  it('a reporter that throws does not break settling (no unhandled rejection)', async () => {
    const r = recordingOutcomes(() => true);
    const f = new FinishQueue(r.outcomes, () => {
      throw new Error('logger down');
    });
    f.add(route, queue, qm(1), message(1));
    await expect(f.settled()).resolves.toBeUndefined();
    expect(r.calls).toHaveLength(1);
    r.stop();
  });
});

describe('DrainRoute with finishes off the workers path', () => {
  it('every delivered entry is marked done and deleted before the drain returns and its lease is released', async () => {
    const h = harness({ concurrency: 4 });
    for (let i = 0; i < 45; i++) await h.arrive({ messageId: `f${i}` });
    let leaseReleasedWith: { deleted: number; done: number } | undefined;
    const release = h.routeState.releaseLease.bind(h.routeState);
    h.routeState.releaseLease = async (...args) => {
      leaseReleasedWith = { deleted: h.queue.deleted.length, done: (await h.index.listQueued('main')).length };
      return release(...args);
    };
    const summary = await h.runDrain();
    expect(summary).toMatchObject({ delivered: 45, errors: 0 });
    expect(leaseReleasedWith).toEqual({ deleted: 45, done: 0 });
    expect(h.queue.all()).toHaveLength(0);
  });

  it('a finish whose index write fails twice leaves its entry in the queue for a retry (nothing sent again)', async () => {
    const h = harness({ concurrency: 2 });
    const { messageId } = await h.arrive({ messageId: 'keep-me' });
    await h.arrive({ messageId: 'fine' });
    const markDone = h.index.markDone.bind(h.index);
    h.index.markDone = async (id, ...rest) => {
      if (id === messageId) throw new Error('index unavailable');
      return markDone(id, ...rest);
    };
    const summary = await h.runDrain();
    expect(summary.delivered).toBe(2);
    expect(h.queue.all().map((e) => JSON.parse(e.body).mail.messageId)).toEqual([messageId]); // deferred, not deleted
    expect((await h.ledger.outcomes(messageId)).get('bob@example.com')?.state).toBe('delivered');
  });

  it("reads the ledger again when a receive's early read failed, so a recipient delivered before is skipped", async () => {
    const h = harness({ concurrency: 1 });
    const { messageId } = await h.arrive({ recipients: ['bob@example.com', 'carol@example.com'] });
    // bob was delivered by an earlier run whose queue delete was lost
    await h.ledger.record(messageId, { recipient: 'bob@example.com', state: 'delivered', reply: { code: 250, text: '250 ok' }, attempts: 1, updatedAt: h.clock.now() });
    h.ledger.failNext.outcomesFor = new Error('ThrottlingException'); // taken by the early read at the receive
    const summary = await h.runDrain();
    expect(h.ledger.failNext.outcomesFor).toBeUndefined();
    expect(summary).toMatchObject({ messages: 1, delivered: 1, errors: 0 });
    expect(h.transports.transactions.map((t) => t.envelope.to)).toEqual([['carol@example.com']]);
    expect(h.queue.all()).toHaveLength(0);
    expect(h.ledger.stateOf(messageId, 'carol@example.com')).toBe('delivered');
  });

  it("uses a receive's early ledger read once; a second copy of the id in the same run reads again and sends nothing", async () => {
    const h = harness({ concurrency: 1 });
    const reads: string[] = [];
    // The fake reads by key, as DynamoDB's does; count who asked.
    const read = h.ledger.outcomesFor.bind(h.ledger);
    h.ledger.outcomesFor = async (id: string, recipients: string[]) => {
      reads.push(id);
      return read(id, recipients);
    };
    const { body } = await h.arrive({ messageId: 'twice' });
    await h.queue.enqueue(body); // SNS delivered the notification twice: one receive holds both
    await h.arrive({ messageId: 'other' });
    const summary = await h.runDrain();
    expect(h.transports.transactions.map((t) => t.envelope.to)).toEqual([['bob@example.com'], ['bob@example.com']]); // 'twice' once, 'other' once
    expect(h.transports.transactions.filter((t) => t.bytes.toString().includes('twice'))).toHaveLength(1);
    expect(summary).toMatchObject({ messages: 3, delivered: 2, errors: 0 });
    expect(h.queue.all()).toHaveLength(0);
    // Three early reads at the receive, then one more for the second copy of 'twice'.
    expect(reads.sort()).toEqual(['other', 'twice', 'twice', 'twice']);
  });
});
