// Optional comparison: Postfix (from Debian) doing the same work on this
// machine. 2,000 × 10 KB messages are injected with smtp-source and held in
// the deferred queue (defer_transports = smtp); then `postqueue -f` releases
// them to the same SMTP sink the drain uses (relayhost), and we time until
// the sink has them all. Needs root and the postfix package; the original
// main.cf is put back afterwards.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchEnv } from './bench-env.js';
import { round } from './drain-throughput.js';

const run = promisify(execFile);
const MAIN_CF = '/etc/postfix/main.cf';
const BACKUP = '/etc/postfix/main.cf.backup-mx-bench';
const DEFERRED = '/var/spool/postfix/deferred';

export type PostfixFigure =
  | { available: true; messages: number; messageBytes: number; seconds: number; messagesPerSecond: number; injectSeconds: number; version: string }
  | { available: false; reason: string };

function countFiles(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    n += statSync(path).isDirectory() ? countFiles(path) : 1;
  }
  return n;
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function postfixThroughput(env: BenchEnv, messages = 2_000, bytes = 10 * 1024): Promise<PostfixFigure> {
  if (!existsSync('/usr/sbin/postfix') || !existsSync('/usr/sbin/smtp-source')) {
    return { available: false, reason: 'postfix is not installed (DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postfix)' };
  }
  if (process.getuid?.() !== 0) return { available: false, reason: 'postfix start/stop and its queue need root' };
  const { stdout: version } = await run('postconf', ['-h', 'mail_version']);
  copyFileSync(MAIN_CF, BACKUP);
  try {
    await run('postfix', ['stop']).catch(() => undefined);
    await run('postsuper', ['-d', 'ALL']).catch(() => undefined);
    await run('postconf', [
      '-e',
      'myhostname=postfix.bench.invalid',
      'mydestination=',
      'inet_interfaces=loopback-only',
      'inet_protocols=ipv4',
      'maillog_file=/var/log/postfix-bench.log',
      `relayhost=[127.0.0.1]:${env.sinkPort}`,
      'defer_transports=smtp',
      'default_transport=smtp',
      'relay_transport=smtp',
      'smtpd_reject_unlisted_recipient=no',
      'smtp_tls_security_level=none',
      'smtpd_tls_security_level=none',
      'message_size_limit=52428800',
    ]);
    await run('postfix', ['start']);
    await waitFor(async () => (await run('postfix', ['status']).then(() => true, () => false)), 10_000, 'postfix to start');

    const injectStart = Date.now();
    await run('smtp-source', ['-s', '10', '-m', String(messages), '-l', String(bytes), '-f', 'alice@sender.example', '-t', 'bob@example.com', '127.0.0.1:25'], { maxBuffer: 1 << 24 });
    await waitFor(() => countFiles(DEFERRED) >= messages, 120_000, `${messages} messages in the deferred queue`);
    const injectSeconds = (Date.now() - injectStart) / 1000;

    await env.sink.call('reset');
    const started = process.hrtime.bigint();
    await run('postqueue', ['-f']);
    await waitFor(async () => (await env.sink.call<{ messages: number }>('stats')).messages >= messages, 300_000, 'postfix to deliver');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { available: true, messages, messageBytes: bytes, seconds: round(seconds, 2), messagesPerSecond: round(messages / seconds, 1), injectSeconds: round(injectSeconds, 1), version: version.trim() };
  } catch (error) {
    return { available: false, reason: `postfix run failed: ${(error as Error).message.split('\n')[0]}` };
  } finally {
    await run('postfix', ['stop']).catch(() => undefined);
    await run('postsuper', ['-d', 'ALL']).catch(() => undefined);
    copyFileSync(BACKUP, MAIN_CF);
    unlinkSync(BACKUP);
  }
}
