// What a local command must not leave behind or reach: a deleted message in
// the runner's restart spool, a DSN sent through real SES, a wrong target.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AwsClients } from '../../../lambdas/adapters/aws/clients.js';
import { RecordingIo } from '../../../cli/cli-io.js';
import { main } from '../../../cli/main.js';
import { resolveTarget } from '../../../cli/resolve-target.js';
import { readCliEnv } from '../../../cli/cli-env.js';
import type { Target } from '../../../cli/target.js';
import { finishedByLedger, MailSpool, restoreSpool } from '../../../local/snapshot.js';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';

// The clients each target is built on, as created: the engine hands none out,
// so the flush test watches the ones the local target made for itself.
const created = vi.hoisted(() => [] as AwsClients[]);
vi.mock('../../../lambdas/adapters/aws/clients.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../lambdas/adapters/aws/clients.js')>();
  return {
    ...actual,
    createAwsClients: (...args: Parameters<typeof actual.createAwsClients>) => {
      const clients = actual.createAwsClients(...args);
      created.push(clients);
      return clients;
    },
  };
});

/** The one middleware shape used here, common to every SDK client's stack. */
interface WatchableStack {
  add(
    middleware: (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => Promise<unknown>,
    options: { step: 'initialize' },
  ): void;
}

describe('backup-mx --local: spool, bounces, confirmation', () => {
  let fx: LocalFixture;
  let spool: MailSpool;

  beforeAll(async () => {
    fx = await startLocalFixture({ bouncePolicy: 'dsn' });
    spool = MailSpool.inDataDir(fx.dataDir);
  });
  afterAll(async () => {
    await fx?.stop();
  });
  beforeEach(() => fx.reset());

  /** Spools a queued message the way the SES stand-in does, one share per route. */
  async function spoolIt(messageId: string, recipients: string[]): Promise<void> {
    const raw = await readStored(`mail/${fx.resources.routes.find((r) => recipients.some((a) => a.endsWith(r.name === 'main' ? '@example.com' : '@example.net')))!.name}/${messageId}`);
    const deliveries = fx.resources.routes
      .map((route) => ({ route, mine: recipients.filter((r) => r.endsWith(route.name === 'main' ? '@example.com' : '@example.net')) }))
      .filter(({ mine }) => mine.length > 0)
      .map(({ route, mine }) => ({
        route: route.name,
        topicArn: route.topicArn,
        bucketName: fx.resources.bucketName,
        objectKey: `mail/${route.name}/${messageId}`,
        recipients: mine,
        notification: fx.notification(messageId, route.name),
      }));
    await spool.save({ version: 1, messageId, receivedAt: new Date().toISOString(), sender: 'alice@sender.example', size: raw.length, deliveries }, raw);
  }

  async function readStored(key: string): Promise<Buffer> {
    const { body } = await fx.deps.store.open(key);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks);
  }

  /** What the runner's next start would re-publish from the spool. */
  async function restore() {
    const published: { topicArn: string; body: string }[] = [];
    const report = await restoreSpool(spool, {
      store: { put: async () => {} },
      publish: async (topicArn, body) => {
        published.push({ topicArn, body });
      },
      isFinished: finishedByLedger(fx.deps.ledger),
    });
    return { report, published };
  }

  it('delete removes the spool entry, so a restart re-publishes nothing', async () => {
    await fx.cli('hold', 'main');
    const gone = await fx.queue({ recipients: ['kim@example.com'] });
    const kept = await fx.queue({ recipients: ['lou@example.com'] });
    await spoolIt(gone, ['kim@example.com']);
    await spoolIt(kept, ['lou@example.com']);

    const done = await fx.cli('delete', gone, '--yes');
    expect(done.code).toBe(0);
    expect(done.io.text).toContain(`${gone}: removed from the local spool`);

    const { report, published } = await restore();
    expect(published.map((p) => JSON.parse(p.body).mail?.messageId ?? p.body)).toEqual([kept]);
    expect(report.republished).toBe(1);
    expect((await spool.list()).map((r) => r.messageId)).toEqual([kept]);
    await spool.remove(kept);
  });

  it('delete --route keeps the spooled shares of the other routes', async () => {
    await fx.cli('hold', 'main');
    const id = await fx.queue({ recipients: ['max@example.com', 'ned@example.net'] });
    await spoolIt(id, ['max@example.com', 'ned@example.net']);

    const done = await fx.cli('delete', id, '--route', 'main', '--yes');
    expect(done.code).toBe(0);
    const [record] = await spool.list();
    expect(record?.deliveries.map((d) => d.route)).toEqual(['other']);
    expect((await spool.readRaw(id)).length).toBeGreaterThan(100);
    await fx.cli('delete', id, '--yes');
    expect(await spool.list()).toEqual([]);
  });

  it('a local flush meeting a 550 writes the DSN under <data dir>/bounces and calls no AWS-only service', async () => {
    const id = await fx.queue({ recipients: ['nobody@example.com'] });
    fx.primary.script = { rcpt: { 'nobody@example.com': { code: 550, enhanced: '5.1.1', text: 'no such user' } } };
    const calls: string[] = [];
    let endpoint = '';
    const io = new RecordingIo();
    const code = await main(['--local', '--data-dir', fx.dataDir, 'flush', 'main'], {
      io,
      resolve: async (options, err) => {
        const before = created.length;
        const target: Target = await resolveTarget(options, err, readCliEnv({}));
        expect(created).toHaveLength(before + 1);
        const { ses, lambda, secrets } = created.at(-1)!;
        for (const [name, client] of [['ses', ses], ['lambda', lambda], ['secrets', secrets]] as const) {
          (client.middlewareStack as unknown as WatchableStack).add(
            (next, context) => async (args) => {
              calls.push(`${name}:${context.commandName}`);
              return next(args);
            },
            { step: 'initialize' },
          );
        }
        const url = await ses.config.endpoint?.();
        endpoint = url ? url.hostname : '';
        return target;
      },
    });
    expect(code).toBe(0);
    expect(io.text).toContain('1 bounced');
    expect(calls).toEqual([]);
    expect(endpoint).toBe('127.0.0.1');
    const files = await readdir(join(fx.dataDir, 'bounces'));
    expect(files).toHaveLength(1);
    const dsn = await readFile(join(fx.dataDir, 'bounces', files[0]!), 'utf8');
    expect(dsn).toContain('X-Envelope-To: <alice@sender.example>');
    expect(dsn).toContain('nobody@example.com');
    expect(io.stderr.join('\n')).toContain('bounce notice to <alice@sender.example> written to');
    expect(id).toBeTruthy();
  });

  it('declining the delete confirmation exits 2, as the help says, and deletes nothing', async () => {
    await fx.cli('hold', 'main');
    const id = await fx.queue({ recipients: ['oz@example.com'] });
    const io = new RecordingIo([false]);
    const code = await main(['--local', '--data-dir', fx.dataDir, 'delete', id], { io });
    expect(io.questions).toHaveLength(1);
    expect(code).toBe(2);
    expect(io.text).toContain('Nothing deleted');
    expect((await fx.cli('show', id)).code).toBe(0);
    const help = new RecordingIo();
    await main(['--help'], { io: help });
    expect(help.text).toMatch(/2 usage \(bad option, unknown route,\s+no confirmation\)/);
    await fx.cli('delete', id, '--yes');
  });
});
