// Every verb against a real local backup MX: emulators, a runtime file the
// CLI resolves with --local, and a scripted primary on loopback.
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MessageView } from '../../../cli/message-view.js';
import type { RouteStatus } from '../../../cli/commands/status.js';
import type { MessageDetail } from '../../../cli/commands/show.js';
import { TestDnsServer } from '../../support/net/dns-server.js';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('backup-mx against the local backup MX', () => {
  let fx: LocalFixture;

  beforeAll(async () => {
    fx = await startLocalFixture();
  });
  afterAll(async () => {
    await fx?.stop();
  });
  beforeEach(() => fx.reset());

  const mailq = async (...args: string[]) => {
    const { code, io } = await fx.cli('mailq', '--json', ...args);
    expect(code).toBe(0);
    return io.json<MessageView[]>();
  };

  it('mailq --json shows each recipient’s state: queued, then delivered and deferred with the reply', async () => {
    const id = await fx.queue({ recipients: ['bob@example.com', 'carol@example.com'], subject: 'Numbers' });
    const before = (await mailq('--route', 'main')).find((m) => m.id === id)!;
    expect(before).toMatchObject({ route: 'main', sender: 'alice@sender.example', subject: 'Numbers', state: 'queued' });
    expect(before.size).toBeGreaterThan(100);
    expect(before.recipients).toEqual([
      { address: 'bob@example.com', state: 'queued', attempts: 0 },
      { address: 'carol@example.com', state: 'queued', attempts: 0 },
    ]);

    fx.primary.script = { rcpt: { 'carol@example.com': { code: 451, enhanced: '4.2.0', text: 'mailbox busy' } } };
    const flush = await fx.cli('flush', 'main');
    expect(flush.code).toBe(0);
    expect(flush.io.text).toMatch(/to=<bob@example\.com>.*status=delivered/);
    expect(flush.io.text).toContain('flush main: 1 message, 1 delivered, 1 deferred');

    const after = (await mailq()).find((m) => m.id === id)!;
    expect(after.recipients[0]).toMatchObject({ address: 'bob@example.com', state: 'delivered', attempts: 1 });
    expect(after.recipients[1]).toMatchObject({ address: 'carol@example.com', state: 'deferred', lastReply: { code: 451, enhanced: '4.2.0' } });
    const human = await fx.cli('mailq');
    expect(human.io.text).toMatch(new RegExp(`${id}\\s+main`));
    expect(human.io.text).toMatch(/carol@example\.com\s+deferred\s+1 try\s+451 4\.2\.0 mailbox busy/);

    fx.primary.reset();
    await sleep(1500); // the 1 s backoff
    expect((await fx.cli('flush')).code).toBe(0);
    expect(fx.primary.messagesFor('carol@example.com')).toHaveLength(1);
    expect((await mailq()).map((m) => m.id)).not.toContain(id);
  });

  it('hold: a flush with the primary up delivers nothing; release --flush delivers', async () => {
    const hold = await fx.cli('hold', 'main', '--reason', 'primary migration');
    expect(hold.code).toBe(0);
    const id = await fx.queue({ recipients: ['dora@example.com'] });
    const status = (await fx.cli('status', '--json')).io.json<RouteStatus[]>();
    expect(status.find((s) => s.route === 'main')).toMatchObject({ held: true, holdReason: 'primary migration', queued: 1 });

    const flush = await fx.cli('flush', 'main');
    expect(flush.code).toBe(0);
    expect(flush.io.text).toContain('stopped: held');
    expect(flush.io.text).toContain('backup-mx release main');
    expect(fx.primary.messages).toHaveLength(0);

    const release = await fx.cli('release', 'main', '--flush');
    expect(release.code).toBe(0);
    expect(release.io.text).toContain('route main released');
    expect(fx.primary.messagesFor('dora@example.com')).toHaveLength(1);
    expect((await mailq()).map((m) => m.id)).not.toContain(id);
  });

  it('a dead-lettered message requeued gets delivered', async () => {
    fx.primary.script = { rcpt: { 'erin@example.com': { code: 550, enhanced: '5.1.1', text: 'no such user' } } };
    const id = await fx.queue({ recipients: ['erin@example.com', 'finn@example.com'] });
    await fx.cli('flush', 'main');
    expect(fx.primary.messagesFor('finn@example.com')).toHaveLength(1);
    const dead = await fx.cli('mailq', '--dead', '--json');
    expect(dead.io.json<{ id: string; reason: string }[]>()).toContainEqual(expect.objectContaining({ id, reason: 'bounced' }));
    expect((await fx.cli('mailq', '--dead')).io.text).toMatch(new RegExp(`${id}\\s+main\\s+\\S+( \\S+)?\\s+bounced`));

    fx.primary.reset(); // the mailbox exists now
    const requeue = await fx.cli('requeue', id);
    expect(requeue.code).toBe(0);
    expect(requeue.io.text).toContain(`${id}: requeued on route main (1 recipient to deliver, 1 reset)`);
    expect((await mailq()).find((m) => m.id === id)?.recipients).toEqual([
      expect.objectContaining({ address: 'erin@example.com', state: 'queued' }),
      expect.objectContaining({ address: 'finn@example.com', state: 'delivered' }),
    ]);
    expect(await fx.deps.deadLetters.find(id)).toEqual([]);

    await fx.cli('flush', 'main');
    expect(fx.primary.messagesFor('erin@example.com')).toHaveLength(1);
    expect(fx.primary.messagesFor('finn@example.com')).toHaveLength(0); // not sent twice
    expect((await fx.deps.ledger.outcomes(id)).get('erin@example.com')?.state).toBe('delivered');
    expect((await fx.cli('requeue', id)).code).toBe(2); // no longer dead
  });

  it('an expired dead letter is requeued only with --renew-lifetime, then delivered', async () => {
    const sixDaysAgo = new Date(Date.now() - 6 * 86_400_000);
    const id = await fx.queue({ recipients: ['lou@example.com'], receivedAt: sixDaysAgo });
    await fx.cli('flush', 'main');
    expect(fx.primary.messages).toHaveLength(0);
    expect(await fx.deps.deadLetters.get(id, 'main')).toMatchObject({ reason: 'expired' });

    const plain = await fx.cli('requeue', id);
    expect(plain.code).toBe(1);
    expect(plain.io.stderr.join('\n')).toContain('add --renew-lifetime');
    const renewed = await fx.cli('requeue', '--all-dead', '--route', 'main', '--renew-lifetime');
    expect(renewed.code).toBe(0);
    expect(renewed.io.text).toContain(`${id}: requeued on route main`);
    await fx.cli('flush', 'main');
    expect(fx.primary.messagesFor('lou@example.com')).toHaveLength(1);
  });

  it('show: envelope, headers, verdicts and the attempt history, per route for a message in two routes', async () => {
    fx.primary.script = { rcpt: { 'gus@example.com': { code: 451, text: 'greylisted' } } };
    const id = await fx.queue({ recipients: ['gus@example.com', 'hal@example.net'], subject: 'Two routes' });
    await fx.cli('flush');
    fx.primary.reset();
    await sleep(1500);
    await fx.cli('flush');

    const { code, io } = await fx.cli('show', id, '--json');
    expect(code).toBe(0);
    const details = io.json<MessageDetail[]>();
    expect(details.map((d) => d.route)).toEqual(['main', 'other']);
    const main = details[0]!;
    expect(main).toMatchObject({ state: 'done', sender: 'alice@sender.example', stored: true, verdicts: { spam: 'PASS', virus: 'PASS' } });
    expect(main.headers).toContainEqual({ name: 'Subject', value: 'Two routes' });
    expect(main.headers.map((h) => h.name)).toEqual(['From', 'To', 'Subject', 'Date', 'Message-ID']);
    expect(main.attempts.map((a) => [a.recipient, a.state, a.reply.code])).toEqual([
      ['gus@example.com', 'deferred', 451],
      ['gus@example.com', 'delivered', 250],
    ]);
    expect(details[1]!.recipients).toEqual([expect.objectContaining({ address: 'hal@example.net', state: 'delivered' })]);

    const human = await fx.cli('show', id, '--route', 'main');
    expect(human.io.text).toContain(`Message ${id}  (route main, done)`);
    expect(human.io.text).toMatch(/RCPT TO:<gus@example\.com>\s+delivered/);
    expect(human.io.text).toMatch(/gus@example\.com\s+127\.0\.0\.1\S*\s+deferred\s+\d+s\s+451 greylisted/);
  });

  it('show <start of a finished id> says finished messages need the full id and where to find it; the full id shows it', async () => {
    const id = await fx.queue({ recipients: ['bob@example.com'] });
    expect((await fx.cli('show', id.slice(0, 8))).code).toBe(0); // queued: the start of the id is enough
    expect((await fx.cli('flush', 'main')).code).toBe(0);
    const byPrefix = await fx.cli('show', id.slice(0, 8));
    expect(byPrefix.code).toBe(3);
    const said = byPrefix.io.stderr.join('\n');
    expect(said).toContain(`no queued or dead-lettered message id starts with ${id.slice(0, 8)}`);
    expect(said).toMatch(/finished \(delivered or bounced\) message is found by its full 40-character id only: take it from the "delivered <id> to <…>" or "bounced <id>" line of `npm start`'s output/);
    expect(said).not.toContain('neither queued');
    const full = await fx.cli('show', id, '--json');
    expect(full.code).toBe(0);
    expect(full.io.json<MessageDetail[]>()[0]).toMatchObject({ id, state: 'done' });
  });

  it('delete asks first (refuses without a terminal), then removes everything with --yes', async () => {
    await fx.cli('hold', 'main');
    const id = await fx.queue({ recipients: ['ivy@example.com'] });
    const keep = await fx.queue({ recipients: ['jay@example.com'] });

    const refused = await fx.cli('delete', id);
    expect(refused.code).toBe(2);
    expect(refused.io.stderr.join('\n')).toContain('pass --yes');

    const done = await fx.cli('delete', id, '--yes');
    expect(done.code).toBe(0);
    expect(done.io.text).toContain(`${id}: deleted from route main: raw message and index; its recipients stay marked final, so the drain drops its queue entry without delivering`);
    expect((await mailq()).map((m) => m.id)).toEqual([keep]);
    await expect(
      fx.clients.s3.send(new HeadObjectCommand({ Bucket: fx.resources.bucketName, Key: `mail/main/${id}` })),
    ).rejects.toMatchObject({ name: 'NotFound' });
    expect((await fx.cli('show', id)).code).toBe(3);

    // The other message is still on the queue and delivered once released; the deleted one's entry is dropped undelivered.
    await fx.cli('release', 'main', '--flush');
    expect(fx.primary.messages.map((m) => m.to)).toEqual([['jay@example.com']]);
    const depth = await fx.engine.queue(fx.engine.route('main')).depth();
    expect(depth.visible + depth.inFlight + depth.delayed).toBe(0);
  });

  it('status lists every route with its primary, health, queue and dead letters', async () => {
    await fx.engine.probe({ start: async () => {} });
    const { code, io } = await fx.cli('status');
    expect(code).toBe(0);
    expect(io.text).toContain('local backup MX (pid');
    expect(io.text).toMatch(new RegExp(`main\\s+127\\.0\\.0\\.1:${fx.primary.port} \\(none\\)\\s+up for`));
    const json = (await fx.cli('status', '--json')).io.json<RouteStatus[]>();
    expect(json.map((s) => s.route)).toEqual(['main', 'other']);
    expect(json[0]).toMatchObject({ status: 'up', held: false, queued: 0, deadLettered: 0 });
    expect(json[0]!.lastDoneAt).toBeDefined();
  });

  it('status says "primary refuses our credentials" when the probe\'s AUTH was refused, not "down"', async () => {
    const now = fx.deps.clock.now();
    await fx.deps.routeState.saveHealth({
      route: 'main',
      status: 'down',
      since: now,
      lastCheckAt: now,
      consecutiveFailures: 1,
      lastError: 'primary refuses our credentials: AUTH: 535 5.7.8 Authentication credentials invalid',
      authRefusals: 2,
      authRetryAt: new Date(now.getTime() + 240_000),
    });
    const { io } = await fx.cli('status');
    expect(io.text).toMatch(/main\s+\S+ \(none\)\s+primary refuses our credentials for \S+, next AUTH try in (4m 0s|3m 59s)/);
    const json = (await fx.cli('status', '--json')).io.json<RouteStatus[]>();
    expect(json.find((s) => s.route === 'main')).toMatchObject({ status: 'down', authRefused: true, nextAuthTryAt: new Date(now.getTime() + 240_000).toISOString() });
  });

  it('doctor: a wrong MX preference fails with the fix, AWS-only checks are skipped', async () => {
    const dns = await TestDnsServer.start({
      'example.com': [
        { priority: 10, exchange: 'inbound-smtp.us-east-1.amazonaws.com' },
        { priority: 20, exchange: 'mx.example.com' },
      ],
      'example.net': [
        { priority: 10, exchange: 'mx.example.net' },
        { priority: 20, exchange: 'inbound-smtp.us-east-1.amazonaws.com' },
      ],
    });
    try {
      const { code, io } = await fx.cli('doctor', '--dns-server', dns.address);
      expect(code).toBe(1);
      expect(io.text).toMatch(/FAIL\s+MX example\.com\s+our MX has preference 10, not larger than the primary's 20/);
      expect(io.text).toContain('fix: set our MX to a number above 20, e.g. example.com MX 30 inbound-smtp.us-east-1.amazonaws.com');
      expect(io.text).toMatch(/OK\s+MX example\.net/);
      expect(io.text).toMatch(/OK\s+primary main\s+127\.0\.0\.1/);
      expect(io.text).toMatch(/SKIP\s+SES identities\s+AWS-only check, skipped for --local/);
      expect(dns.queries).toContain('example.com 15');

      dns.mx.set('example.com', [{ priority: 10, exchange: 'mx.example.com' }, { priority: 20, exchange: 'inbound-smtp.us-east-1.amazonaws.com' }]);
      const fixed = await fx.cli('doctor', '--dns-server', dns.address, '--json');
      expect(fixed.code).toBe(0);
      expect(fixed.io.json<{ status: string }[]>().filter((r) => r.status === 'fail')).toEqual([]);
    } finally {
      await dns.stop();
    }
  });

  it('says clearly when the id, the route or the local instance is unknown', async () => {
    const unknownId = await fx.cli('show', 'no-such-message');
    expect(unknownId.code).toBe(3);
    expect(unknownId.io.stderr.join('\n')).toMatch(/no message with id no-such-message on the local backup MX \(pid \d+, data in .*\): no queued or dead-lettered message id starts with no-such-message/);
    const unknownFull = await fx.cli('show', 'v'.repeat(40));
    expect(unknownFull.io.stderr.join('\n')).toMatch(/\) \(neither queued, finished in the last 30 days, nor dead-lettered\)$/);
    const unknownRoute = await fx.cli('hold', 'nope');
    expect(unknownRoute.code).toBe(2);
    expect(unknownRoute.io.stderr.join('\n')).toContain('no route named "nope"');

    const empty = await mkdtemp(join(tmpdir(), 'backupmx-none-'));
    try {
      const { RecordingIo } = await import('../../../cli/cli-io.js');
      const { main } = await import('../../../cli/main.js');
      const io = new RecordingIo();
      expect(await main(['--local', '--data-dir', empty, 'mailq'], { io })).toBe(4);
      expect(io.stderr.join('\n')).toContain('no local backup MX is running');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
