// The filter's selection over the queued messages and the dead letters, and
// bulk delete / requeue on it, on the operator world's fakes: what is selected
// (and what it costs: head reads only for --verdict), the counts of acted,
// skipped and failed, a failure that does not stop the rest, and the run
// acting on exactly what the dry run listed.
import { describe, expect, it } from 'vitest';
import { parseMessageFilter, type FilterInput } from '../../../../lambdas/core/operator/message-filter.js';
import { operatorActions } from '../../../../lambdas/core/operator/operator-actions.js';
import type { SelectScope } from '../../../../lambdas/core/operator/select-messages.js';
import { operatorWorld } from '../../../support/world/operator-world.js';

const everywhere: SelectScope = { routes: ['main'], queued: true, dead: true };
const filter = (input: FilterInput) => parseMessageFilter(input);

describe('select: the messages a filter selects', () => {
  it('combines criteria with AND over queued messages and dead letters, oldest first, and counts what it looked at', async () => {
    const { operator, queued, deadLettered } = operatorWorld();
    const old = await queued({ sender: 'a@spam.example', subject: 'Cheap pills', minutesAgo: 300 });
    await queued({ sender: 'b@spam.example', subject: 'Cheap pills', minutesAgo: 5 }); // too young
    await queued({ sender: 'c@friend.example', subject: 'Cheap pills', minutesAgo: 400 }); // another domain
    const dead = await deadLettered({ sender: 'd@spam.example', subject: 'cheap PILLS again', minutesAgo: 600 });
    await deadLettered({ sender: 'e@spam.example', subject: 'Minutes', minutesAgo: 600 }); // another subject

    const selection = await operator.select(filter({ senderDomain: 'spam.example', olderThan: '1h', subject: 'pills' }), everywhere);
    expect(selection.total).toBe(5);
    expect(selection.matched.map((m) => [m.id, m.state])).toEqual([
      [dead.messageId, 'dead-letter'],
      [old, 'queued'],
    ]);
    expect(selection.matched[0]).toMatchObject({ route: 'main', sender: 'd@spam.example', deadLetters: [dead], objectKey: dead.objectKey });
    // A queued match carries each recipient's state (what mailq prints).
    expect(selection.matched[1]!.queued?.recipients).toEqual([expect.objectContaining({ address: 'bob@example.com', state: 'queued' })]);
  });

  it('scope: only the queued messages, or only the dead letters', async () => {
    const { operator, queued, deadLettered } = operatorWorld();
    const q = await queued({ recipients: ['x@example.com'] });
    const d = await deadLettered({ recipients: ['x@example.com'] });
    const f = filter({ recipient: 'x@example.com' });
    expect((await operator.select(f, { ...everywhere, dead: false })).matched.map((m) => m.id)).toEqual([q]);
    expect((await operator.select(f, { ...everywhere, queued: false })).matched.map((m) => m.id)).toEqual([d.messageId]);
    expect((await operator.select(f, { ...everywhere, routes: ['other'] })).matched).toEqual([]);
  });

  it('no routes given: every route\'s, and a dead letter that names no route (its notification named an unknown one)', async () => {
    const { h, operator, deadLettered } = operatorWorld();
    const record = await deadLettered({ messageId: 'stray', recipients: ['x@example.com'] });
    const { route: _route, ...routeless } = record;
    await h.deadLetters.remove(record.messageId, 'main', record.copy ?? '', record.at);
    await h.deadLetters.put({ ...routeless, reason: 'unknown-route' });
    const f = filter({ recipient: 'x@example.com' });
    expect((await operator.select(f, { queued: true, dead: true })).matched).toEqual([expect.objectContaining({ id: 'stray', route: '', state: 'dead-letter' })]);
    expect((await operator.select(f, everywhere)).matched).toEqual([]);
  });

  it('a message both queued and dead-lettered (a partial bounce) is one entry, queued, with its dead letter', async () => {
    const { operator, queued, deadLettered } = operatorWorld();
    const id = await queued({ messageId: 'partial', recipients: ['bob@example.com', 'erin@example.com'] });
    const record = await deadLettered({ messageId: id, recipients: ['bob@example.com', 'erin@example.com'] });
    const { matched, total } = await operator.select(filter({ recipient: 'erin@example.com' }), everywhere);
    expect(total).toBe(1);
    expect(matched).toEqual([expect.objectContaining({ id, state: 'queued', deadLetters: [record] })]);
  });

  it('--verdict reads a queued message\'s head once, only for those the other criteria kept; a dead letter\'s verdicts come from its notification', async () => {
    const { operator, queued, deadLettered, headReads } = operatorWorld();
    const spam = await queued({ sender: 'a@spam.example', verdicts: { spam: 'FAIL' } });
    const clean = await queued({ sender: 'b@spam.example' });
    await queued({ sender: 'c@friend.example', verdicts: { spam: 'FAIL' } }); // not read: another domain
    const deadSpam = await deadLettered({ sender: 'd@spam.example', verdicts: { spam: 'FAIL', dkim: 'FAIL' } });

    const { matched } = await operator.select(filter({ senderDomain: 'spam.example', verdict: ['spam=FAIL'] }), everywhere);
    expect(matched.map((m) => m.id).sort()).toEqual([spam, deadSpam.messageId].sort());
    expect(headReads.sort()).toEqual([`mail/main/${spam}`, `mail/main/${clean}`].sort());
    // spf/dkim/dmarc of a queued message come from Authentication-Results (as `show` prints them).
    headReads.length = 0;
    expect((await operator.select(filter({ verdict: ['dkim=FAIL'] }), everywhere)).matched.map((m) => m.id)).toEqual([deadSpam.messageId]);
    expect((await operator.select(filter({ verdict: ['spf=PASS', 'dmarc=PASS'] }), { ...everywhere, dead: false })).matched).toHaveLength(3);
  });

  it('reads no head without --verdict', async () => {
    const { operator, queued, headReads } = operatorWorld();
    for (let i = 0; i < 5; i++) await queued({ subject: `number ${i}` });
    expect((await operator.select(filter({ subject: 'number 3' }), everywhere)).matched).toHaveLength(1);
    expect(headReads).toEqual([]);
  });
});

describe('bulk delete and requeue', () => {
  it('delete: acts on each selected message through DeleteMessage, counts skips and failures, goes on after a failure, scans the DLQ once', async () => {
    const { h, deps, queued, deadLettered, deadLetterQueue } = operatorWorld();
    const ids = [await queued({ messageId: 'q1' }), await queued({ messageId: 'q2' }), await queued({ messageId: 'q3' })];
    const dead = await deadLettered({ messageId: 'd1' });
    // q2's raw object cannot be removed (an S3 error): it fails, the others go on.
    const store = Object.assign(Object.create(h.store) as typeof h.store, {
      remove: async (key: string) => (key.endsWith('/q2') ? Promise.reject(new Error('AccessDenied')) : h.store.remove(key)),
    });
    let scans = 0;
    const dlq = { depth: () => deadLetterQueue.depth(), removeCopies: (w: Parameters<typeof deadLetterQueue.removeCopies>[0]) => (scans++, deadLetterQueue.removeCopies(w)) };
    const operator = operatorActions({ ...deps, store, deadLetterQueue: dlq });
    const { matched } = await operator.select(filter({ sender: 'alice@sender.example' }), everywhere);
    expect(matched).toHaveLength(4);
    // q3 was delivered between the listing and the run: skipped, not deleted.
    await h.index.markDone('q3', 'main', h.clock.now(), (await h.index.find('q3'))[0]!.copy);

    const progress: number[] = [];
    const report = await operator.bulk.delete(matched, (done) => progress.push(done));
    const byId = Object.fromEntries(report.outcomes.map((o) => [o.message.id, 'acted' in o ? 'acted' : 'skipped' in o ? `skipped: ${o.skipped}` : `failed: ${o.failed.message}`]));
    expect(byId).toEqual({ q1: 'acted', q2: 'failed: AccessDenied', q3: 'skipped: finished since it was selected', d1: 'acted' });
    expect(progress).toEqual([1, 2, 3, 4]);
    expect(scans).toBe(1);
    expect(deadLetterQueue.copies).toEqual([]);
    expect(await h.deadLetters.find(dead.messageId)).toEqual([]);
    expect(h.ledger.stateOf('q1', 'bob@example.com')).toBe('dead-lettered'); // final: the drain drops its entry
    expect((await h.index.listQueued('main')).map((s) => s.messageId)).toEqual(['q2']); // the failed one stays listed
    expect(h.store.removed).toContain(`mail/main/${ids[0]}`);
    expect(h.store.removed).not.toContain(`mail/main/${ids[2]}`);
  });

  it('requeue: each selected dead letter through RequeueDeadLetters; a refusal is a skip with its reason, an error a failure, and the rest go on', async () => {
    const { h, deps, deadLettered, deadLetterQueue } = operatorWorld();
    const fine = await deadLettered({ messageId: 'fine' });
    const broken = await deadLettered({ messageId: 'broken' });
    const expired = await deadLettered({ messageId: 'expired', minutesAgo: 6 * 24 * 60 }); // past the 5-day lifetime
    const after = await deadLettered({ messageId: 'after' });
    const store = Object.assign(Object.create(h.store) as typeof h.store, {
      size: async (key: string) => (key.endsWith('/broken') ? Promise.reject(new Error('SlowDown')) : h.store.size(key)),
    });
    const operator = operatorActions({ ...deps, store });
    const { matched } = await operator.select(filter({ sender: 'alice@sender.example' }), { ...everywhere, queued: false });
    expect(matched.map((m) => m.id)).toEqual(['expired', 'fine', 'broken', 'after']);

    const report = await operator.bulk.requeue(matched, {});
    const kinds = report.results.map((r) => [r.record.messageId, 'refused' in r ? r.refused.why : 'failed' in r ? r.failed.message : 'requeued']);
    expect(kinds).toEqual([
      ['expired', 'expired'],
      ['fine', 'requeued'],
      ['broken', 'SlowDown'],
      ['after', 'requeued'],
    ]);
    expect((await h.deadLetters.list('main')).map((r) => r.messageId).sort()).toEqual([broken.messageId, expired.messageId].sort());
    expect(deadLetterQueue.copies.map((c) => c.messageId).sort()).toEqual(['broken', 'expired']);
    expect((await h.index.listQueued('main')).map((s) => s.messageId).sort()).toEqual([after.messageId, fine.messageId].sort());
  });

  it('on 1,000 messages the run acts on exactly what the dry run listed, and nothing else', async () => {
    const { h, operator, queued, deadLettered } = operatorWorld();
    const expected = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const spam = i % 3 === 0;
      const old = i % 2 === 0;
      const options = { messageId: `m${i}`, sender: spam ? `x${i}@spam.example` : `y${i}@ok.example`, minutesAgo: old ? 180 : 30 };
      if (i % 10 === 0) await deadLettered(options);
      else await queued(options);
      if (spam && old) expected.add(`m${i}`);
    }
    const f = filter({ senderDomain: 'spam.example', olderThan: '2h' });
    const dryRun = await operator.select(f, everywhere);
    expect(dryRun.total).toBe(1000);
    expect(new Set(dryRun.matched.map((m) => m.id))).toEqual(expected);
    expect(expected.size).toBe(167);

    const report = await operator.bulk.delete(dryRun.matched);
    expect(report.outcomes.filter((o) => 'acted' in o).map((o) => o.message.id)).toEqual(dryRun.matched.map((m) => m.id));
    const left = new Set([...(await h.index.listQueued('main')).map((s) => s.messageId), ...(await h.deadLetters.list('main')).map((r) => r.messageId)]);
    expect(left.size).toBe(1000 - 167);
    for (const id of expected) expect(left.has(id)).toBe(false);
    expect((await operator.select(f, everywhere)).matched).toEqual([]);
  });
});
