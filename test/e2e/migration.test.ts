// docs/migration.md's cut-over, step by step, with two real Postfix primaries
// (each relaying to its own mailbox server) behind the local backup MX: mail
// first goes to the old one; the route is held, the old Postfix stopped, the
// route redirected to the new one (pinned, with --auth), released and flushed:
// the held mail reaches the new one, the runner's lines name it; then cdk.json's
// primary is changed and the configuration reloaded, which clears the redirect
// (status says so) while mail keeps going to the new one. 0 lost, 0 bounced.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../cli/cli-io.js';
import type { RouteStatus } from '../../cli/commands/status.js';
import { main } from '../../cli/main.js';
import { PostfixPrimary, postfixUnavailable } from '../support/smtp/postfix-primary.js';
import { postfixSkipReason } from '../support/smtp/postfix-required.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { cleanups, clientMessage, queueId, runnerEnv, sendMail, startMx, tempDir, waitFor, type StartedMx } from '../support/runner/e2e-support.js';

const unavailable = postfixSkipReason(postfixUnavailable(), 'the migration e2e test');
const PASSWORD = 'correct horse battery staple';
const SECRET = 'backup-mx/corp-smtp';

describe.skipIf(unavailable !== undefined)('docs/migration.md: cut-over from one real Postfix to another', () => {
  const cleanup = cleanups();
  let oldMailbox: ScriptedPrimary;
  let newMailbox: ScriptedPrimary;
  let oldPostfix: PostfixPrimary;
  let newPostfix: PostfixPrimary;
  let started: StartedMx;
  let contextFile: string;
  let dataDir: string;

  const route = (postfix: PostfixPrimary) => ({ host: '127.0.0.1', port: postfix.port, tls: 'fingerprint', tlsFingerprints: [postfix.certificateFingerprint], authSecretName: SECRET });
  const writeContext = (postfix: PostfixPrimary) =>
    writeFile(contextFile, JSON.stringify({ backupMx: { region: 'us-east-1', hostname: 'backup-mx.e2e.test', routes: [{ name: 'corp', domains: ['example.com'], primary: route(postfix) }] } }));
  const cli = async (...args: string[]) => {
    const io = new RecordingIo();
    const code = await main(['--local', '--data-dir', dataDir, ...args], { io });
    return { code, io, all: [...io.stdout, ...io.stderr].join('\n') };
  };
  const send = async (n: number) => queueId(await sendMail(started.mx.smtpPort, 'alice@sender.test', ['bob@example.com'], clientMessage(n, 'bob@example.com')));
  const probeAndDrain = async () => {
    await started.mx.engine.probe(started.mx.drains);
    await started.mx.drains.idle();
  };

  beforeAll(async () => {
    oldMailbox = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => oldMailbox.stop());
    newMailbox = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => newMailbox.stop());
    oldPostfix = await PostfixPrimary.start({ domain: 'example.com', users: ['bob@example.com'], mailbox: { host: '127.0.0.1', port: oldMailbox.port }, password: PASSWORD });
    cleanup.add(() => oldPostfix.stop());
    newPostfix = await PostfixPrimary.start({ domain: 'example.com', users: ['bob@example.com'], mailbox: { host: '127.0.0.1', port: newMailbox.port }, password: PASSWORD });
    cleanup.add(() => newPostfix.stop());
    const dir = await tempDir(cleanup, 'migration');
    dataDir = path.join(dir, 'data');
    const secretsFile = path.join(dir, 'secrets.json');
    await writeFile(secretsFile, JSON.stringify({ [SECRET]: { username: oldPostfix.username, password: PASSWORD } }));
    contextFile = path.join(dir, 'context.json');
    await writeContext(oldPostfix);
    started = await startMx(
      runnerEnv(contextFile, { BACKUPMX_DATA_DIR: dataDir, BACKUPMX_PROBE_INTERVAL_SECONDS: '60', BACKUPMX_PROBE_TIMEOUT_MS: '5000', BACKUPMX_LOCAL_SECRETS: secretsFile }),
      cleanup,
      true,
    );
  }, 90_000);
  afterAll(() => cleanup.run(), 30_000);

  it('moves the route from the old Postfix to the new one with no mail lost or bounced', async () => {
    // Before: mail goes to the old primary.
    const before = await send(1);
    await probeAndDrain();
    await waitFor('the old Postfix to pass the first message on', () => oldMailbox.messagesFor('bob@example.com').length === 1, 20_000);

    // Step 3: hold; step 4: stop the old primary. Mail sent now is queued.
    expect((await cli('hold', 'corp', '--reason', 'cut-over')).code).toBe(0);
    await oldPostfix.pause();
    const held = await send(2);
    await probeAndDrain();
    expect(oldMailbox.messagesFor('bob@example.com')).toHaveLength(1);
    expect(newMailbox.messagesFor('bob@example.com')).toHaveLength(0);

    // Step 5: redirect, pinned to the new Postfix's certificate, with the route's AUTH.
    const redirect = await cli('redirect', 'corp', '--to', `127.0.0.1:${newPostfix.port}`, '--tls', 'fingerprint', '--fingerprint', newPostfix.certificateFingerprint, '--auth');
    expect(redirect.code, redirect.all).toBe(0);
    expect(redirect.all).toContain(`mail goes to 127.0.0.1:${newPostfix.port} (tls fingerprint, with the route's AUTH) instead of 127.0.0.1:${oldPostfix.port}`);
    // The runner's console shows what the command changed.
    await waitFor('the redirect line on the runner\'s console', () => started.lines.some((l) => l.includes(`redirected route corp to 127.0.0.1:${newPostfix.port} (tls fingerprint, with AUTH)`)), 5_000);
    const during = await send(3);

    // Step 7: release and flush: the queued mail goes to the new one, and the lines name it.
    const flush = await cli('release', 'corp', '--flush');
    expect(flush.code, flush.all).toBe(0);
    expect(flush.all).toContain(`relay=127.0.0.1:${newPostfix.port}`);
    await waitFor('the new Postfix to pass both queued messages on', () => newMailbox.messagesFor('bob@example.com').length === 2, 20_000);

    // Step 8: status and mailq.
    const status = (await cli('status', '--json')).io.json<RouteStatus[]>()[0]!;
    expect(status).toMatchObject({ status: 'up', held: false, queued: 0, deadLettered: 0, redirect: { to: `127.0.0.1:${newPostfix.port}`, tls: 'fingerprint', auth: true } });
    expect(status.redirect!.ignored).toBeUndefined();
    expect((await cli('mailq')).all).toContain('Mail queue is empty');

    // Step 9: cdk.json names the new primary; the reload (a deploy, locally) clears the redirect.
    await writeContext(newPostfix);
    await started.mx.reload();
    await waitFor('the runtime file to name the new primary', async () => (await cli('status', '--json')).io.json<RouteStatus[]>()[0]!.primary === `127.0.0.1:${newPostfix.port}`, 10_000);
    const afterDeploy = (await cli('status', '--json')).io.json<RouteStatus[]>()[0]!;
    expect(afterDeploy.redirect).toMatchObject({ ignored: 'cleared by a deploy that changed the primary' });
    const after = await send(4);
    await probeAndDrain();
    await waitFor('the new Postfix to pass the message sent after the deploy on', () => newMailbox.messagesFor('bob@example.com').length === 3, 20_000);
    expect((await cli('redirect', 'corp', '--clear')).code).toBe(0);
    expect((await cli('status', '--json')).io.json<RouteStatus[]>()[0]!.redirect).toBeUndefined();

    // 0 lost: every message at exactly one mailbox, each once; 0 bounced, nothing dead-lettered.
    const ids = { before, held, during, after };
    const delivered = (id: string) => started.lines.filter((l) => l.includes(`delivered ${id} to <bob@example.com>`));
    expect(delivered(before)).toEqual([expect.stringContaining(`via 127.0.0.1:${oldPostfix.port}`)]);
    for (const id of [held, during, after]) expect(delivered(id), id).toEqual([expect.stringContaining(`via 127.0.0.1:${newPostfix.port}`)]);
    expect(oldMailbox.messagesFor('bob@example.com')).toHaveLength(1);
    expect(newMailbox.messagesFor('bob@example.com')).toHaveLength(3);
    expect(started.lines.filter((l) => /\bbounced\b|dead-letter/.test(l) && Object.values(ids).some((id) => l.includes(id)))).toEqual([]);
    expect((await cli('status', '--json')).io.json<RouteStatus[]>()[0]).toMatchObject({ queued: 0, deadLettered: 0 });
  }, 180_000);
});
