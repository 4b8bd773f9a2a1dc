// `npm start` as people stop it, while mail is being delivered: Ctrl-C (SIGINT
// to the whole process group), `kill <npm pid>` (SIGTERM to npm alone, what
// a service manager or a script does), and `kill -9` of the runner followed by
// a restart. Each run checks that every port closes, no process is left, no
// message is lost, and duplicates appear only for transactions whose final
// dot the primary had already received.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../local/runner/runner-config.js';
import { isProcessAlive, type RuntimeInfo } from '../../local/runtime-file.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import type { ReceivedMessage } from '../../local/smtp-peer/peer-steps.js';
import { cleanups, clientMessage, refused, runnerEnv, sendMail, sleep, tempDir, waitFor, writeContextFile } from '../support/runner/e2e-support.js';
import { groupAlive, npmStart, type NpmStart } from '../support/runner/npm-start-process.js';

const MESSAGES = 6;
const STOP_WAIT_SECONDS = 10;

const portsOf = (info: RuntimeInfo) => [
  info.smtpPort,
  ...new Set(Object.values(info.endpoints).map((url) => Number(new URL(url).port))),
];

async function expectGone(run: NpmStart, timeoutMs = (STOP_WAIT_SECONDS + 10) * 1000): Promise<number | null> {
  const code = await Promise.race([run.exited, sleep(timeoutMs).then(() => 'still running' as const)]);
  expect(code, run.output()).not.toBe('still running');
  await waitFor('every process of the group to exit', () => !groupAlive(run.pid), 5_000);
  expect(isProcessAlive(run.info.pid)).toBe(false);
  for (const port of portsOf(run.info)) expect(await refused(port), `port ${port}`).toBe(true);
  return code as number | null;
}

const subjectOf = (m: ReceivedMessage) => /^Subject: (.*)$/m.exec(m.raw.toString('latin1'))?.[1] ?? '';

async function sendAll(port: number): Promise<string[]> {
  const subjects: string[] = [];
  for (let n = 1; n <= MESSAGES; n++) {
    await sendMail(port, 'alice@sender.test', [`user${n}@example.com`], clientMessage(n, `user${n}@example.com`));
    subjects.push(`e2e message ${n}`);
  }
  return subjects;
}

/** Copies the primary kept of each subject. */
const counts = (primary: ScriptedPrimary, subjects: string[]) =>
  new Map(subjects.map((s) => [s, primary.messages.filter((m) => subjectOf(m) === s).length]));

describe('npm start stopped mid-delivery', () => {
  const cleanup = cleanups();
  afterEach(() => cleanup.run());

  async function setUp(name: string, replyDelayMs: number) {
    const primary = await ScriptedPrimary.start({ starttls: 'off', script: { replyDelayMs } });
    cleanup.add(() => primary.stop());
    const dir = await tempDir(cleanup, name);
    const dataDir = path.join(dir, 'data');
    const contextFile = await writeContextFile(dir, [{ name: 'main', domains: ['example.com'], primaryPort: primary.port }]);
    const env = runnerEnv(contextFile, { BACKUPMX_DATA_DIR: dataDir, BACKUPMX_STOP_WAIT_SECONDS: String(STOP_WAIT_SECONDS) });
    return { primary, dataDir, env };
  }

  /** A second run on the same data dir delivers whatever is left; returns it stopped. */
  async function restartAndDeliver(env: NodeJS.ProcessEnv, dataDir: string, primary: ScriptedPrimary, subjects: string[]) {
    primary.script = {};
    const second = await npmStart(env, dataDir, cleanup);
    await waitFor('every message delivered', () => [...counts(primary, subjects).values()].every((n) => n >= 1), 30_000);
    await sleep(1_500); // a duplicate would arrive now
    process.kill(second.pid, 'SIGTERM');
    expect(await expectGone(second)).toBe(0);
    return second;
  }

  it('Ctrl-C (SIGINT to the process group): waits for the deliveries in progress, then nothing is delivered twice', async () => {
    const { primary, dataDir, env } = await setUp('sigint', 2_000);
    const run = await npmStart(env, dataDir, cleanup);
    const subjects = await sendAll(run.info.smtpPort);
    await waitFor('a delivery in progress (final dot received, reply pending)', () => primary.messages.length > 0, 20_000);

    process.kill(-run.pid, 'SIGINT');
    expect(await expectGone(run)).toBe(0);
    expect(run.output()).toMatch(/SIGINT received, stopping/);
    expect(run.output()).toMatch(/stopping: waiting for \d+ deliver(y|ies), at most 10 s/);
    expect(run.output()).toMatch(/stopped; every port is closed/);
    expect(run.output()).not.toMatch(/did not finish/);
    expect(existsSync(path.join(dataDir, 'runtime.json'))).toBe(false);

    await restartAndDeliver(env, dataDir, primary, subjects);
    // Every delivery in progress finished before the stop: its ledger entry is written.
    for (const [subject, n] of counts(primary, subjects)) expect(n, subject).toBe(1);
  }, 120_000);

  it('SIGTERM to the npm process alone: the runner stops too, no orphan keeps the port', async () => {
    const { primary, dataDir, env } = await setUp('sigterm', 1_500);
    const run = await npmStart(env, dataDir, cleanup);
    expect(run.info.pid).not.toBe(run.pid); // npm and the runner are two processes
    const subjects = await sendAll(run.info.smtpPort);
    await waitFor('a delivery in progress', () => primary.messages.length > 0, 20_000);

    process.kill(run.pid, 'SIGTERM');
    await expectGone(run);
    expect(run.output()).toMatch(/SIGTERM received, stopping/);
    expect(run.output()).toMatch(/stopped; every port is closed/);
    expect(existsSync(path.join(dataDir, 'runtime.json'))).toBe(false);

    await restartAndDeliver(env, dataDir, primary, subjects);
    for (const [subject, n] of counts(primary, subjects)) expect(n, subject).toBe(1);
  }, 120_000);

  it('a parent that dies without passing the signal on (a shell that does not exec): the runner stops itself', async () => {
    const { dataDir, env } = await setUp('orphan', 0);
    // `; :` keeps sh from exec-ing node: the old `npm start` chain, where a signal to the parent never reached node.
    const child = spawn('sh', ['-c', `${process.execPath} --import tsx local/run.ts; :`], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const pgid = child.pid!;
    cleanup.add(() => groupAlive(pgid) && process.kill(-pgid, 'SIGKILL'));
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor('the ready line', () => /ready\. Send a test message/.test(output), 30_000);
    const info = JSON.parse(await readFile(path.join(dataDir, 'runtime.json'), 'utf8')) as RuntimeInfo;
    expect(info.pid).not.toBe(pgid);

    process.kill(pgid, 'SIGKILL'); // the shell dies at once, passing nothing on
    await waitFor('the runner to stop by itself', () => !isProcessAlive(info.pid), 15_000);
    expect(output).toMatch(new RegExp(`parent process ${pgid} exited, stopping[\\s\\S]*stopped; every port is closed`));
    for (const port of portsOf(info)) expect(await refused(port), `port ${port}`).toBe(true);
    expect(existsSync(path.join(dataDir, 'runtime.json'))).toBe(false);
  }, 60_000);

  it('kill -9 of the runner mid-delivery, then a restart: all delivered, duplicates only where the final dot was sent', async () => {
    const { primary, dataDir, env } = await setUp('sigkill', 5_000);
    const run = await npmStart(env, dataDir, cleanup);
    const subjects = await sendAll(run.info.smtpPort);
    await waitFor('a delivery in progress', () => primary.messages.length > 0, 20_000);

    process.kill(run.info.pid, 'SIGKILL');
    await expectGone(run);
    const dotSent = new Set(primary.messages.map(subjectOf));
    expect(existsSync(path.join(dataDir, 'runtime.json'))).toBe(true); // left behind: the next run sees the crash

    const second = await restartAndDeliver(env, dataDir, primary, subjects);
    expect(second.output()).toMatch(/did not stop cleanly; released its drain leases/);
    for (const [subject, n] of counts(primary, subjects)) {
      expect(n, subject).toBeGreaterThanOrEqual(1);
      if (n > 1) {
        expect(dotSent.has(subject), `${subject} duplicated without a final dot in the first run`).toBe(true);
        expect(n, subject).toBe(2);
      }
    }
  }, 120_000);
});
