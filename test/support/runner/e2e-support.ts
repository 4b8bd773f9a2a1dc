// Helpers for the end-to-end tests: a context file naming a loopback
// primary, the local backup MX started as `npm start` starts it (with a fast
// probe), a real SMTP client, and client messages with bytes that are easy to
// break (8-bit text, a leading dot, a DKIM header).
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { LocalBackupMx } from '../../../local/runner/local-backup-mx.js';

export interface Cleanup {
  add(fn: () => Promise<unknown> | unknown): void;
  run(): Promise<void>;
}

export function cleanups(): Cleanup {
  const fns: (() => Promise<unknown> | unknown)[] = [];
  return {
    add: (fn) => void fns.push(fn),
    async run() {
      for (const fn of fns.reverse()) await fn();
      fns.length = 0;
    },
  };
}

export async function tempDir(cleanup: Cleanup, name = 'e2e'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `backupmx-${name}-`));
  cleanup.add(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestRoute {
  name: string;
  domains: string[];
  recipients?: string[];
  primaryPort: number;
}

/** A context file ({"backupMx": {...}}) whose primaries are on 127.0.0.1 without TLS. */
export async function writeContextFile(dir: string, routes: TestRoute[]): Promise<string> {
  const file = path.join(dir, 'context.json');
  const backupMx = {
    region: 'us-east-1',
    hostname: 'backup-mx.e2e.test',
    routes: routes.map((r) => ({
      name: r.name,
      domains: r.domains,
      ...(r.recipients ? { recipients: r.recipients } : {}),
      primary: { host: '127.0.0.1', port: r.primaryPort, tls: 'none' },
    })),
  };
  await writeFile(file, JSON.stringify({ backupMx }, null, 2));
  return file;
}

/** The environment `npm start` would see, with a 1 s probe and a free SMTP port. */
export function runnerEnv(contextFile: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    BACKUPMX_CONTEXT_FILE: contextFile,
    BACKUPMX_SMTP_PORT: '0',
    BACKUPMX_PROBE_INTERVAL_SECONDS: '1',
    BACKUPMX_PROBE_TIMEOUT_MS: '1000',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
  // `npm run test:localstack` sets it: the same runner then talks to LocalStack.
  if (process.env.AWS_ENDPOINT_URL) env.AWS_ENDPOINT_URL = process.env.AWS_ENDPOINT_URL;
  return env;
}

export interface StartedMx {
  mx: LocalBackupMx;
  lines: string[];
}

export async function startMx(env: NodeJS.ProcessEnv, cleanup: Cleanup, runtimeFile = false): Promise<StartedMx> {
  const lines: string[] = [];
  const mx = await LocalBackupMx.start({
    env,
    write: (line) => lines.push(line),
    runtimeFile,
    // Unique names keep runs apart on a shared LocalStack.
    namePrefix: process.env.AWS_ENDPOINT_URL ? `backupmx-e2e-${randomUUID().slice(0, 8)}` : undefined,
  });
  cleanup.add(() => mx.stop({ quiet: true }));
  return { mx, lines };
}

export interface SmtpOutcome {
  accepted: string[];
  rejected: string[];
  response: string;
  rejectedErrors?: { responseCode?: number; response?: string }[];
}

/** Sends raw bytes with an explicit envelope over real SMTP ('' = MAIL FROM:<>). */
export async function sendMail(port: number, from: string, to: string[], raw: Buffer): Promise<SmtpOutcome> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    return (await transport.sendMail({ envelope: { from, to }, raw })) as unknown as SmtpOutcome;
  } finally {
    transport.close();
  }
}

/** The stand-in's id in "250 Ok <id>". */
export const queueId = (outcome: SmtpOutcome): string => {
  const id = /\bOk (\S+)/.exec(outcome.response)?.[1];
  if (!id) throw new Error(`no queue id in "${outcome.response}"`);
  return id;
};

/** A client message whose bytes must arrive unchanged: 8-bit text, a leading dot, a DKIM header. */
export function clientMessage(n: number, to: string, from = 'alice@sender.test'): Buffer {
  return Buffer.from(
    [
      'DKIM-Signature: v=1; a=rsa-sha256; d=sender.test; s=s1; h=from:to:subject;',
      '\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dGVzdA==',
      `From: ${from || 'MAILER-DAEMON@sender.test'}`,
      `To: ${to}`,
      `Subject: e2e message ${n}`,
      `Message-ID: <e2e.${n}.${randomUUID()}@sender.test>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=UTF-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      `Caf\u00e9 num\u00e9ro ${n}.`,
      '.a line that starts with a dot',
      'trailing spaces   ',
      '',
    ].join('\r\n'),
    'utf8',
  );
}

/** True when `raw` ends with exactly `original` (what the primary got vs what was sent). */
export const endsWith = (raw: Buffer, original: Buffer) => raw.length >= original.length && raw.subarray(raw.length - original.length).equals(original);

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** True when nothing listens on 127.0.0.1:`port` any more (the connection is refused). */
export const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
