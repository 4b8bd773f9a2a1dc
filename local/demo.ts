// `npm run demo`: a scripted tour of the local backup MX that needs nothing
// else. Starts it (embedded AWS emulators, SMTP on a free port, probe every
// second) with a stand-in primary that is down, sends mail, shows it queued,
// brings the primary up and shows the mail delivered with its timings.
// Exits 0 when every check held, 1 with the reason otherwise.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkDelivery, demoMessages, findDelivered, messageIdFromReply, sendOverSmtp, type DemoMessage } from './runner/demo-mail.js';
import { DemoPrimary } from './runner/demo-primary.js';
import { reservePort } from './smtp-peer/reserve-port.js';
import { SettingsError } from '../lambdas/config/settings.js';
import { LocalBackupMx } from './runner/local-backup-mx.js';
import { RunnerConfigError, runnerProcessEnv, silenceSdkNodeNotice } from './runner/runner-config.js';

const DOMAIN = 'demo.example';
const OVERALL_TIMEOUT_MS = 60_000;

class DemoFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoFailure';
  }
}

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const say = (line: string) => console.log(`\n==> ${line}`);
const detail = (line: string) => console.log(`    ${line}`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new DemoFailure(`timed out after ${seconds(timeoutMs)} waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function tour(primary: DemoPrimary, workDir: string, keep: (mx: LocalBackupMx) => void): Promise<void> {
  const contextFile = path.join(workDir, 'demo-context.json');
  const route = { name: 'demo', domains: [DOMAIN], primary: { host: primary.host, port: primary.port, tls: 'none' } };
  await writeFile(contextFile, JSON.stringify({ backupMx: { region: 'us-east-1', hostname: 'backup-mx.demo.example', routes: [route] } }, null, 2));

  say(`starting the local backup MX; its primary will be the demo mail server on ${primary.host}:${primary.port}, which is down`);
  // Always the embedded emulators: the demo needs nothing else.
  const { AWS_ENDPOINT_URL: _ignored, ...inherited } = runnerProcessEnv();
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    BACKUPMX_CONTEXT_FILE: contextFile,
    BACKUPMX_SMTP_PORT: '0',
    BACKUPMX_PROBE_INTERVAL_SECONDS: '1',
    BACKUPMX_PROBE_TIMEOUT_MS: '1000',
    BACKUPMX_DATA_DIR: workDir,
  };

  const mx = await LocalBackupMx.start({ env, write: (line) => console.log(`    | ${line}`), namePrefix: 'backupmx-demo', runtimeFile: false });
  keep(mx);
  await mx.events.next('primary', (change) => change.status === 'down', 10_000).catch(() => {
    throw new DemoFailure('the probe did not report the primary down within 10 s');
  });

  const messages = demoMessages(DOMAIN);
  say(`sending ${messages.length} messages to 127.0.0.1:${mx.smtpPort} while the primary is down`);
  const ids = new Map<DemoMessage, string>();
  const queuedAt = new Map<string, number>();
  mx.events.on('queued', (event) => queuedAt.set(event.messageId, event.at.getTime()));
  for (const mail of messages) {
    const outcome = await sendOverSmtp(mx.smtpPort, mail);
    const id = messageIdFromReply(outcome.reply);
    if (!outcome.ok || !id) throw new DemoFailure(`${mail.label} was not accepted: ${outcome.reply}`);
    ids.set(mail, id);
    detail(`${mail.label}: MAIL FROM:<${mail.from}> RCPT TO: ${mail.to.join(', ')} → ${outcome.reply}`);
  }
  const stranger = await sendOverSmtp(mx.smtpPort, { from: 'eve@sender.test', to: ['someone@elsewhere.test'], raw: messages[0]!.raw });
  if (stranger.ok || stranger.code !== 550) throw new DemoFailure(`a recipient outside ${DOMAIN} was not refused with 550: ${stranger.reply}`);
  detail(`a recipient outside ${DOMAIN} (someone@elsewhere.test) → refused: ${stranger.reply}`);

  say('the queue (what `backup-mx mailq` lists)');
  const queued = await mx.composed.operator.listQueued('demo');
  for (const m of queued) {
    detail(`${m.messageId}  ${String(m.size ?? '?').padStart(5)} bytes  <${m.sender}>  → ${m.recipients.join(', ')}  "${m.subject ?? ''}"`);
  }
  if (queued.length !== messages.length) throw new DemoFailure(`expected ${messages.length} queued messages, mailq shows ${queued.length}`);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  if (primary.messages.length > 0) throw new DemoFailure('the primary received mail while it was down');
  detail(`two probes later the primary has still received nothing: the mail is held`);

  say('bringing the primary up');
  const upAt = Date.now();
  await primary.start();
  const recipients = messages.reduce((n, m) => n + m.to.length, 0);
  let delivered = 0;
  mx.events.on('attempt', (attempt) => attempt.status === 'delivered' && delivered++);
  await waitUntil(`${recipients} deliveries`, () => delivered >= recipients && primary.messages.length >= messages.length, 20_000);
  await waitUntil('an empty queue', async () => (await mx.composed.operator.listQueued('demo')).length === 0, 5_000);

  say(`delivered, ${seconds(Date.now() - upAt)} after the primary came up`);
  const problems: string[] = [];
  for (const mail of messages) {
    const got = findDelivered(mail, primary.messages);
    problems.push(...checkDelivery(mail, got));
    if (!got) continue;
    const id = ids.get(mail)!;
    const held = got.at.getTime() - (queuedAt.get(id) ?? got.at.getTime());
    detail(`${id}: ${mail.label}`);
    detail(`    held ${seconds(held)}, delivered ${seconds(got.at.getTime() - upAt)} after the primary came up; MAIL FROM:<${got.from}> RCPT TO: ${got.to.join(', ')}; original bytes unchanged after the added headers`);
  }
  if (problems.length > 0) throw new DemoFailure(problems.join('; '));
}

async function main(): Promise<number> {
  silenceSdkNodeNotice();
  const workDir = await mkdtemp(path.join(tmpdir(), 'backupmx-demo-'));
  const primary = new DemoPrimary(await reservePort());
  let mx: LocalBackupMx | undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DemoFailure(`the demo took longer than ${seconds(OVERALL_TIMEOUT_MS)}`)), OVERALL_TIMEOUT_MS);
  });
  let failure: string | undefined;
  try {
    await Promise.race([tour(primary, workDir, (started) => (mx = started)), timeout]);
  } catch (error) {
    const known = error instanceof DemoFailure || error instanceof SettingsError || error instanceof RunnerConfigError;
    failure = known ? (error as Error).message : ((error as Error).stack ?? String(error));
  } finally {
    clearTimeout(timer);
    say('stopping');
    await mx?.stop();
    await primary.stop();
    await rm(workDir, { recursive: true, force: true });
  }
  if (failure) {
    console.error(`\n==> demo FAILED after ${elapsed()}: ${failure}`);
    return 1;
  }
  say(`demo finished in ${elapsed()}: mail was held while the primary was down, and delivered with its envelope and bytes intact once it came back`);
  return 0;
}

process.exitCode = await main();
setTimeout(() => process.exit(), 2_000).unref();
