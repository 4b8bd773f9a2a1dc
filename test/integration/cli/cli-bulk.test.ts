// Bulk filters against a real local backup MX (emulated S3, SQS, DynamoDB and a
// scripted primary): mailq shows "N of M", delete and requeue with filters list
// what they select, --dry-run changes nothing (queue, index, raw objects, dead
// letters looked at afterwards), no terminal and no --yes is refused, and the
// real run prints its counts and acts on exactly what was listed.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../../cli/cli-io.js';
import { main } from '../../../cli/main.js';
import type { MessageView } from '../../../cli/message-view.js';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);

describe('backup-mx mailq, delete and requeue with filters', () => {
  let fx: LocalFixture;

  beforeAll(async () => {
    fx = await startLocalFixture();
  });
  afterAll(async () => {
    await fx?.stop();
  });
  beforeEach(async () => {
    await fx.reset();
    // Each test starts from an empty queue, index and dead-letter store.
    await fx.emptyRecords();
  });

  const mainRoute = () => fx.engine.route('main');
  const queueDepth = async () => {
    const d = await fx.engine.queue(mainRoute()).depth();
    return d.visible + d.inFlight + d.delayed;
  };
  const queuedIds = async () => (await fx.deps.index.listQueued()).map((m) => m.messageId).sort();
  const deadIds = async () => (await fx.deps.deadLetters.list()).map((d) => d.messageId).sort();
  const stored = async (id: string) => (await fx.deps.store.size(`mail/main/${id}`)) !== undefined;

  /** Three old messages from spam.example (two with a FAIL spam verdict), one young, one from a friend. */
  async function backlog() {
    const ids = {
      pills: await fx.queue({ recipients: ['bob@example.com'], sender: 'a@spam.example', subject: 'Cheap PILLS', receivedAt: hoursAgo(5), verdicts: { spam: 'FAIL' } }),
      prize: await fx.queue({ recipients: ['bob@example.com'], sender: 'b@spam.example', subject: 'You won a prize', receivedAt: hoursAgo(4), verdicts: { spam: 'FAIL' } }),
      oldNews: await fx.queue({ recipients: ['carol@example.com'], sender: 'c@spam.example', subject: 'Newsletter', receivedAt: hoursAgo(3) }),
      young: await fx.queue({ recipients: ['bob@example.com'], sender: 'd@spam.example', subject: 'Cheap pills again', receivedAt: hoursAgo(0.1), verdicts: { spam: 'FAIL' } }),
      friend: await fx.queue({ recipients: ['bob@example.com'], sender: 'ann@friend.example', subject: 'Lunch?', receivedAt: hoursAgo(6) }),
    };
    return ids;
  }

  it('mailq lists only what the filters select (ANDed) and says "N of M shown"; none matching is exit 0; a bad value names the flag', async () => {
    const ids = await backlog();
    const listed = await fx.cli('mailq', '--sender-domain', 'spam.example', '--older-than', '2h');
    expect(listed.code).toBe(0);
    const text = listed.io.text;
    for (const id of [ids.pills, ids.prize, ids.oldNews]) expect(text).toContain(id);
    for (const id of [ids.young, ids.friend]) expect(text).not.toContain(id);
    expect(text).toContain('-- 3 messages, 3 recipients; 3 of 5 queued messages shown (sender domain spam.example, older than 2h)');

    const spam = await fx.cli('mailq', '--verdict', 'spam=FAIL', '--subject', 'pills', '--json');
    expect(spam.io.json<MessageView[]>().map((m) => m.id)).toEqual([ids.pills, ids.young]);
    expect(spam.io.stderr).toEqual(['2 of 5 queued messages shown (spam=FAIL, subject containing "pills")']);

    const none = await fx.cli('mailq', '--recipient', 'nobody@example.com');
    expect(none.code).toBe(0);
    expect(none.io.text).toBe('No queued message matches recipient <nobody@example.com> (5 queued)');

    const bad = await fx.cli('mailq', '--older-than', '2 hours');
    expect(bad.code).toBe(2);
    expect(bad.io.stderr.join('\n')).toContain('--older-than: expected an age such as 90m, 2h, 3d or 1w; got "2 hours"');
    const verdict = await fx.cli('delete', '--verdict', 'spam=NO', '--dry-run');
    expect(verdict.code).toBe(2);
    expect(verdict.io.stderr.join('\n')).toContain('--verdict: unknown value "NO" for spam');
  });

  it('delete --dry-run lists id, route, state, sender, age and subject and the count, and changes nothing', async () => {
    const ids = await backlog();
    const before = { queued: await queuedIds(), depth: await queueDepth() };
    expect(before.depth).toBe(5);

    const dry = await fx.cli('delete', '--sender-domain', 'spam.example', '--older-than', '2h', '--dry-run');
    expect(dry.code).toBe(0);
    const lines = dry.io.stdout;
    expect(lines[0]).toMatch(/^ID\s+ROUTE\s+STATE\s+SENDER\s+AGE\s+SUBJECT$/);
    expect(lines[1]).toMatch(new RegExp(`^${ids.pills}\\s+main\\s+queued\\s+<a@spam\\.example>\\s+5h 0m\\s+"Cheap PILLS"$`));
    expect(lines.slice(1, 4).map((l) => l.split(/\s+/)[0])).toEqual([ids.pills, ids.prize, ids.oldNews]);
    expect(lines).toContain('3 of 5 queued or dead-lettered messages match sender domain spam.example, older than 2h');
    expect(lines.at(-1)).toBe('dry run: nothing deleted');

    // With an id too.
    const one = await fx.cli('delete', ids.friend, '--dry-run');
    expect(one.code).toBe(0);
    expect(one.io.stdout).toEqual([`${ids.friend} on route main (queued): from <ann@friend.example> to bob@example.com, "Lunch?"`, 'dry run: nothing deleted']);

    expect(await queuedIds()).toEqual(before.queued);
    expect(await queueDepth()).toBe(before.depth);
    for (const id of Object.values(ids)) expect(await stored(id)).toBe(true);
    for (const id of Object.values(ids)) expect([...(await fx.deps.ledger.outcomes(id)).values()]).toEqual([]);
  });

  it('without a terminal and without --yes, delete refuses and changes nothing; an id and filters together is a usage error', async () => {
    const ids = await backlog();
    const refused = await fx.cli('delete', '--sender-domain', 'spam.example');
    expect(refused.code).toBe(2);
    expect(refused.io.stderr.join('\n')).toContain('refusing to delete without confirmation: no terminal to ask; pass --yes (or --dry-run to only list them)');
    expect(await queuedIds()).toEqual(Object.values(ids).sort());
    for (const id of Object.values(ids)) expect(await stored(id)).toBe(true);

    const both = await fx.cli('delete', ids.pills, '--subject', 'pills', '--yes');
    expect(both.code).toBe(2);
    expect(both.io.stderr.join('\n')).toContain('give a message id or filters (--sender, --older-than, ...), not both');
    expect(await stored(ids.pills)).toBe(true);

    // On a terminal it asks; answering no deletes nothing.
    const io = new RecordingIo([false]);
    expect(await main(['--local', '--data-dir', fx.dataDir, 'delete', '--subject', 'pills'], { io })).toBe(2);
    expect(io.questions).toEqual(['Delete these 2 messages for good? They will not be delivered.']);
    expect(io.stdout.at(-1)).toBe('Nothing deleted');
    expect(await queuedIds()).toEqual(Object.values(ids).sort());

    const nothing = await fx.cli('delete', '--subject', 'no such subject', '--yes');
    expect(nothing.code).toBe(0);
    expect(nothing.io.text).toBe('No message to delete: 0 of 5 queued or dead-lettered messages match subject containing "no such subject"');
  });

  it('delete --yes acts on exactly what the dry run listed, prints the counts, and leaves the rest to be delivered', async () => {
    const ids = await backlog();
    const args = ['--sender-domain', 'spam.example', '--verdict', 'spam=FAIL'];
    const dry = await fx.cli('delete', ...args, '--dry-run');
    // Header, one row per message, the count, the dry-run line.
    const listed = dry.io.stdout.slice(1, -2).map((l) => l.split(/\s+/)[0]!);
    expect(listed.sort()).toEqual([ids.pills, ids.prize, ids.young].sort());

    const run = await fx.cli('delete', ...args, '--yes');
    expect(run.code).toBe(0);
    expect(run.io.text).toContain('-- deleted 3 of 3 messages; 0 skipped; 0 failed');
    expect(await queuedIds()).toEqual([ids.oldNews, ids.friend].sort());
    for (const id of listed) expect(await stored(id)).toBe(false);
    for (const id of [ids.oldNews, ids.friend]) expect(await stored(id)).toBe(true);

    // The deleted ones' queue entries are dropped without delivery; the others are delivered.
    fx.primary.reset();
    await fx.cli('flush', 'main');
    expect(fx.primary.messages.map((m) => m.from).sort()).toEqual(['ann@friend.example', 'c@spam.example']);
    expect(await queueDepth()).toBe(0);
  });

  it('requeue with filters: dead letters only; asks before more than one; counts; the requeued are delivered, the others stay dead', async () => {
    fx.primary.script = { rcpt: { 'erin@example.com': { code: 550, enhanced: '5.1.1', text: 'no such user' } } };
    const fromShop = await fx.queue({ recipients: ['erin@example.com'], sender: 'orders@shop.example', subject: 'Order 1' });
    const fromShop2 = await fx.queue({ recipients: ['erin@example.com'], sender: 'orders@shop.example', subject: 'Order 2' });
    const other = await fx.queue({ recipients: ['erin@example.com'], sender: 'x@elsewhere.example', subject: 'Order 3' });
    await fx.queue({ recipients: ['bob@example.com'], sender: 'orders@shop.example', subject: 'Order 4' });
    await fx.cli('flush', 'main');
    expect(await deadIds()).toEqual([fromShop, fromShop2, other].sort());
    expect(fx.primary.messagesFor('bob@example.com')).toHaveLength(1); // delivered: no dead letter to select

    const listed = await fx.cli('mailq', '--dead', '--sender', 'orders@shop.example');
    expect(listed.io.text).toContain('-- 2 dead letters; 2 of 3 dead-lettered messages shown (sender <orders@shop.example>); put one back with');
    expect(listed.io.text).not.toContain(other);
    const one = await fx.cli('requeue', other, '--dry-run');
    expect(one.code).toBe(0);
    expect(one.io.stdout.at(-1)).toBe('dry run: nothing requeued (1 dead letter)');

    const dry = await fx.cli('requeue', '--sender', 'orders@shop.example', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.io.text).toContain('2 of 3 dead-lettered messages match sender <orders@shop.example>');
    expect(dry.io.stdout.at(-1)).toBe('dry run: nothing requeued');
    expect(await deadIds()).toEqual([fromShop, fromShop2, other].sort());

    const refused = await fx.cli('requeue', '--sender', 'orders@shop.example');
    expect(refused.code).toBe(2);
    expect(refused.io.stderr.join('\n')).toContain('refusing to requeue without confirmation: no terminal to ask; pass --yes');
    expect(await deadIds()).toEqual([fromShop, fromShop2, other].sort());

    fx.primary.reset(); // erin's mailbox exists now
    const run = await fx.cli('requeue', '--sender', 'orders@shop.example', '--yes');
    expect(run.code).toBe(0);
    expect(run.io.text).toContain('-- requeued 2 of 2 dead letters (2 messages); 0 skipped; 0 failed');
    expect(run.io.text).toContain('dead-letter queue: removed 2 copies of 2 messages');
    expect(await deadIds()).toEqual([other]);
    await fx.cli('flush', 'main');
    expect(fx.primary.messagesFor('erin@example.com')).toHaveLength(2);

    // One selected: no question, even without a terminal.
    const last = await fx.cli('requeue', '--subject', 'order 3');
    expect(last.code).toBe(0);
    expect(last.io.text).toContain('-- requeued 1 of 1 dead letter (1 message); 0 skipped; 0 failed');
    expect(await deadIds()).toEqual([]);

    // Nothing left to select: said, and not an error (a scheduled bulk requeue on a quiet day).
    const none = await fx.cli('requeue', '--subject', 'order', '--yes');
    expect(none.code).toBe(0);
    expect(none.io.text).toMatch(/^No dead letter to requeue: 0 of 0 dead-lettered messages match subject containing "order"/);
  });
});
