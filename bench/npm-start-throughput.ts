// Figure: `npm start` as users run it (node --import tsx local/run.ts, with
// BACKUPMX_DATA_DIR), its emulators embedded. 2,000 × 10 KB messages are sent
// to its SMTP stand-in while the primary (the sink) is down; then the sink
// comes back on the same port and we time from its first to its last message.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { messageOfSize, type BenchEnv } from './bench-env.js';
import { round } from './drain-throughput.js';
import { inheritedEnv } from './bench-variables.js';

export interface NpmStartFigure {
  messages: number;
  messageBytes: number;
  injectSeconds: number;
  deliverSeconds: number;
  messagesPerSecond: number;
  sinkReceived: number;
  /** CPU seconds of the runner process per wall second of delivery: above 1 = more than one core used. */
  runnerCpuShare?: number;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function cpuSecondsOf(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

export async function npmStartThroughput(env: BenchEnv, messages = 2_000, bytes = 10 * 1024): Promise<NpmStartFigure> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bmx-bench-start-'));
  const contextFile = path.join(dir, 'context.json');
  await writeFile(contextFile, JSON.stringify({ backupMx: { region: 'us-east-1', hostname: 'backup-mx.bench', routes: [{ name: 'main', domains: ['example.com'], primary: { host: '127.0.0.1', port: env.sinkPort, tls: 'none' } }] } }));
  await env.sink.call('stop');
  await env.sink.call('reset');
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/run.ts'], {
    cwd: ROOT,
    env: { ...inheritedEnv(), BACKUPMX_CONTEXT_FILE: contextFile, BACKUPMX_DATA_DIR: path.join(dir, 'data'), BACKUPMX_SMTP_PORT: '0', BACKUPMX_PROBE_INTERVAL_SECONDS: '1', BACKUPMX_PROBE_TIMEOUT_MS: '1000', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString().slice(-4096)));
  child.stderr!.resume();
  const waitFor = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`npm start bench: timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  try {
    let port = 0;
    await waitFor('the runner to listen', () => {
      port = Number(/listening for mail on 127\.0\.0\.1:(\d+)/.exec(stdout)?.[1] ?? 0);
      return port > 0 && /ready\./.test(stdout);
    }, 60_000);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true, maxConnections: 10, maxMessages: Infinity });
    const injectStart = Date.now();
    const ids = Array.from({ length: messages }, (_, i) => `npmstart${i}`);
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(ids.slice(i, i + 50).map((id) => transport.sendMail({ envelope: { from: 'alice@sender.test', to: ['bob@example.com'] }, raw: messageOfSize(id, bytes) })));
    }
    transport.close();
    const injectSeconds = (Date.now() - injectStart) / 1000;
    const cpuBefore = cpuSecondsOf(child.pid);
    await env.sink.call('start');
    await waitFor('every message at the sink', async () => (await env.sink.call<{ messages: number }>('stats')).messages >= messages, 15 * 60_000);
    const stats = await env.sink.call<{ messages: number; firstAt: number; lastAt: number }>('stats');
    const cpuAfter = cpuSecondsOf(child.pid);
    const deliverSeconds = (stats.lastAt - stats.firstAt) / 1000;
    return {
      messages,
      messageBytes: bytes,
      injectSeconds: round(injectSeconds, 1),
      deliverSeconds: round(deliverSeconds, 2),
      messagesPerSecond: round(stats.messages / Math.max(0.001, deliverSeconds), 1),
      sinkReceived: stats.messages,
      ...(cpuBefore !== undefined && cpuAfter !== undefined ? { runnerCpuShare: round((cpuAfter - cpuBefore) / Math.max(0.001, deliverSeconds), 2) } : {}),
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    await env.sink.call('start');
    await env.sink.call('reset');
    await rm(dir, { recursive: true, force: true });
  }
}
