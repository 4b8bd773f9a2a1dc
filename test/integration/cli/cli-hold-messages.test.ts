// Hold and release by message against a real local backup MX (emulated S3,
// SQS, DynamoDB and a scripted SMTP primary): `hold <filters> --dry-run` lists
// exactly what the run then holds; the held messages stay queued through a
// flush while the route's others are delivered; mailq, mailq --held, show and
// status say so; more than one message needs a yes; `--message` holds one
// without a question; release queues it afresh and the next drain delivers
// it; `hold <route>` alone still holds the whole route.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../../cli/cli-io.js';
import { main } from '../../../cli/main.js';
import type { MessageView } from '../../../cli/message-view.js';
import type { RouteStatus } from '../../../cli/commands/status.js';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);

describe('backup-mx hold / release by message', () => {
  let fx: LocalFixture;

  beforeAll(async () => {
    fx = await startLocalFixture();
  });
  afterAll(async () => {
    await fx?.stop();
  });
  beforeEach(async () => {
    await fx.reset();
    await fx.emptyRecords();
  });

  const heldIds = async () => (await fx.deps.index.listQueued('main')).filter((s) => s.held).map((s) => s.messageId).sort();
  const listedIds = (stdout: string[]) => stdout.slice(1, stdout.findIndex((l) => /match|^message /.test(l))).map((l) => l.split(/\s+/)[0]!);

  async function backlog() {
    return {
      recall1: await fx.queue({ recipients: ['bob@example.com'], sender: 'sales@partner.example', subject: 'Offer v1', receivedAt: hoursAgo(3) }),
      recall2: await fx.queue({ recipients: ['carol@example.com'], sender: 'ceo@partner.example', subject: 'Offer v2', receivedAt: hoursAgo(2) }),
      young: await fx.queue({ recipients: ['bob@example.com'], sender: 'x@partner.example', subject: 'Offer v3', receivedAt: hoursAgo(0.1) }),
      friend: await fx.queue({ recipients: ['bob@example.com'], sender: 'ann@friend.example', subject: 'Lunch?', receivedAt: hoursAgo(4) }),
    };
  }

  it('hold with filters: the dry run lists exactly what the run holds; the held stay queued through a flush, the rest is delivered', async () => {
    const ids = await backlog();
    const args = ['--sender-domain', 'partner.example', '--older-than', '1h'];

    const dry = await fx.cli('hold', ...args, '--reason', 'partner recall', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.io.stdout[0]).toMatch(/^ID\s+ROUTE\s+SENDER\s+AGE\s+HELD\s+SUBJECT$/);
    const planned = listedIds(dry.io.stdout);
    expect(planned).toEqual([ids.recall1, ids.recall2]);
    expect(dry.io.stdout).toContain('2 of 4 queued messages match sender domain partner.example, older than 1h; 2 to hold');
    expect(dry.io.stdout.at(-1)).toBe('dry run: nothing held');
    expect(await heldIds()).toEqual([]);

    // More than one, no terminal, no --yes: refused, nothing held.
    const refused = await fx.cli('hold', ...args);
    expect(refused.code).toBe(2);
    expect(refused.io.stderr.join('\n')).toContain('refusing to hold without confirmation: no terminal to ask; pass --yes');
    expect(await heldIds()).toEqual([]);
    // On a terminal it asks; no holds nothing.
    const io = new RecordingIo([false]);
    expect(await main(['--local', '--data-dir', fx.dataDir, 'hold', ...args], { io })).toBe(2);
    expect(io.questions).toEqual(['Hold these 2 messages?']);
    expect(await heldIds()).toEqual([]);

    const run = await fx.cli('hold', ...args, '--reason', 'partner recall', '--yes');
    expect(run.code).toBe(0);
    expect(listedIds(run.io.stdout)).toEqual(planned);
    expect(run.io.text).toContain('-- held 2 of 2 messages; 0 skipped; 0 failed');
    expect(run.io.text).toContain('expires then and its sender is told, as under a route hold');
    expect(await heldIds()).toEqual(planned.sort());

    // Seen as held.
    const mailq = await fx.cli('mailq');
    expect(mailq.io.stdout.find((l) => l.startsWith(ids.recall1))).toMatch(/\[held: partner recall\]$/);
    expect(mailq.io.stdout.find((l) => l.startsWith(ids.friend))).not.toContain('held');
    expect(mailq.io.stdout.at(-1)).toContain('; 2 held (not delivered until `backup-mx release --message <id>`)');
    const heldOnly = await fx.cli('mailq', '--held', '--json');
    expect(heldOnly.io.json<MessageView[]>().map((m) => [m.id, m.held?.reason])).toEqual([[ids.recall1, 'partner recall'], [ids.recall2, 'partner recall']]);
    const show = await fx.cli('show', ids.recall2);
    expect(show.io.stdout[0]).toBe(`Message ${ids.recall2}  (route main, queued, held)`);
    expect(show.io.text).toMatch(/held\s+since \S+ \(.*\): partner recall; not delivered until `backup-mx release --message/);
    const status = await fx.cli('status', '--json');
    expect(status.io.json<RouteStatus[]>().find((s) => s.route === 'main')).toMatchObject({ queued: 4, heldMessages: 2, held: false });
    expect((await fx.cli('status')).io.text).toMatch(/main .* 4 \(sqs [\d+]+\), 2 held/);

    // The route flows around them.
    const flushed = await fx.cli('flush', 'main');
    expect(flushed.io.text).toMatch(/flush main: 4 messages, 2 delivered, .*, 2 held \(`mailq --held`\)/);
    expect(fx.primary.messages.map((m) => m.from).sort()).toEqual(['ann@friend.example', 'x@partner.example']);
    expect((await fx.deps.index.listQueued('main')).map((s) => s.messageId).sort()).toEqual(planned.sort());

    // Held again: nothing to do, said, exit 0.
    const again = await fx.cli('hold', ...args, '--yes');
    expect(again.code).toBe(0);
    expect(again.io.text).toBe('Nothing to hold: 2 of 2 queued messages match sender domain partner.example, older than 1h; 0 to hold (2 already held)');
  });

  it('--message holds one without a question; release --message queues it afresh and the next drain delivers it', async () => {
    const ids = await backlog();
    const one = await fx.cli('hold', '--message', ids.friend.slice(0, 12));
    expect(one.code).toBe(0);
    expect(one.io.text).toContain(`message ${ids.friend}: to hold on route main`);
    expect(one.io.text).toContain('-- held 1 of 1 message; 0 skipped; 0 failed');
    expect(await heldIds()).toEqual([ids.friend]);

    await fx.cli('flush', 'main');
    expect(fx.primary.messages).toHaveLength(3);
    expect(fx.primary.messages.map((m) => m.from)).not.toContain('ann@friend.example');

    const dry = await fx.cli('release', '--message', ids.friend, '--dry-run');
    expect(dry.io.stdout.at(-1)).toBe('dry run: nothing released');
    expect(await heldIds()).toEqual([ids.friend]);

    const released = await fx.cli('release', '--message', ids.friend, '--flush');
    expect(released.code).toBe(0);
    expect(released.io.text).toContain('-- released 1 of 1 message; 0 skipped; 0 failed');
    expect(released.io.text).toContain('1 message queued afresh: delivered by the next drain (starting now)');
    expect(fx.primary.messages.map((m) => m.from)).toContain('ann@friend.example');
    expect(await heldIds()).toEqual([]);
    expect(await fx.deps.index.listQueued('main')).toEqual([]);

    // Not queued any more: refused with its state.
    const done = await fx.cli('hold', '--message', ids.friend);
    expect(done.code).toBe(2);
    expect(done.io.stderr.join('\n')).toContain(`${ids.friend} is not queued (done on route main): only a queued message can be held`);
  });

  it('`hold <route>` alone still holds the whole route; route-only and message-only flags do not mix', async () => {
    await backlog();
    const route = await fx.cli('hold', 'main');
    expect(route.code).toBe(0);
    expect(route.io.text).toContain('route main held: mail is still accepted and queued');
    expect(await fx.deps.routeState.hold('main')).toBeDefined();
    expect(await heldIds()).toEqual([]);

    const mixed = await fx.cli('hold', 'main', '--until', '+1h', '--sender-domain', 'partner.example');
    expect(mixed.code).toBe(2);
    expect(mixed.io.stderr.join('\n')).toContain('--until: not with --message or filters');
    const dryAlone = await fx.cli('release', 'main', '--dry-run');
    expect(dryAlone.code).toBe(2);
    expect(dryAlone.io.stderr.join('\n')).toContain('--dry-run and --yes go with --message or filters');
    expect(await fx.deps.routeState.hold('main')).toBeDefined();
    const none = await fx.cli('hold');
    expect(none.code).toBe(2);
    expect(none.io.stderr.join('\n')).toContain('give the route to hold, or --message <id> / filters');
  });
});
