// A stop of `npm start` while it delivers to a slow real Postfix (one that
// takes a second after the final dot, as a primary with a milter does) through
// two sessions, with far more messages taken by the drain than sessions: Ctrl-C
// mid-drain, restart on the same data dir, three times, then let it finish.
// Postfix's own log is the record: from the signal on no transaction starts
// (no new "client=" line beyond the ones already on the wire), and in the end
// every Message-ID was queued by Postfix exactly once.
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guideSnippets, PostfixPrimary, postfixUnavailable } from '../support/smtp/postfix-primary.js';
import { postfixSkipReason } from '../support/smtp/postfix-required.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { cleanups, runnerEnv, sendMail, sleep, tempDir, waitFor } from '../support/runner/e2e-support.js';
import { groupAlive, npmStart, type NpmStart } from '../support/runner/npm-start-process.js';

const unavailable = postfixSkipReason(postfixUnavailable(), 'the slow-Postfix stop test');

const MESSAGES = 40;
const MAX_SESSIONS = 2;
const SIGNALS = 3;
const SECRET = 'backup-mx/postfix';
const PASSWORD = 'correct horse battery staple';

/** What Postfix's log says so far: transactions started, and the Message-IDs it queued (each queue id once). */
function postfixRecord(log: string): { started: number; queued: Map<string, number> } {
  const messageIds = new Map<string, string>();
  for (const m of log.matchAll(/cleanup\[\d+\]: ([0-9A-Za-z]+): message-id=<([^>]*)>/g)) messageIds.set(m[1]!, m[2]!);
  const queued = new Map<string, number>();
  for (const m of log.matchAll(/qmgr\[\d+\]: ([0-9A-Za-z]+): from=<[^>]*>, size=\d+, nrcpt=\d+ \(queue active\)/g)) {
    const id = messageIds.get(m[1]!);
    if (id) queued.set(id, (queued.get(id) ?? 0) + 1);
  }
  const started = [...log.matchAll(/smtpd\[\d+\]: [0-9A-Za-z]+: client=/g)].length;
  return { started, queued };
}

describe.skipIf(unavailable !== undefined)('npm start stopped while a slow real Postfix takes its mail', () => {
  const cleanup = cleanups();
  let postfix: PostfixPrimary;
  let env: NodeJS.ProcessEnv;
  let dataDir: string;

  beforeAll(async () => {
    const mailbox = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => mailbox.stop());
    postfix = await PostfixPrimary.start({
      domain: 'example.com',
      users: ['bob@example.com'],
      mailbox: { host: '127.0.0.1', port: mailbox.port },
      password: PASSWORD,
      endOfDataSleepSeconds: 1,
    });
    cleanup.add(() => postfix.stop());
    const dir = await tempDir(cleanup, 'slow-stop');
    dataDir = path.join(dir, 'data');
    const secretsFile = path.join(dir, 'secrets.json');
    await writeFile(secretsFile, JSON.stringify({ [SECRET]: { username: postfix.username, password: PASSWORD } }));
    const guided = (JSON.parse(`{${guideSnippets().get('backup-mx-route.json')!}}`) as { primary: Record<string, unknown> }).primary;
    const primary = { ...guided, host: '127.0.0.1', port: postfix.port, tlsFingerprints: [postfix.certificateFingerprint], authSecretName: SECRET, maxSessions: MAX_SESSIONS };
    const contextFile = path.join(dir, 'context.json');
    await writeFile(contextFile, JSON.stringify({ backupMx: { region: 'us-east-1', hostname: 'backup-mx.e2e.test', routes: [{ name: 'corp', domains: ['example.com'], primary }] } }));
    env = runnerEnv(contextFile, { BACKUPMX_DATA_DIR: dataDir, BACKUPMX_LOCAL_SECRETS: secretsFile, BACKUPMX_PROBE_TIMEOUT_MS: '5000' });
  }, 60_000);
  afterAll(() => cleanup.run(), 30_000);

  async function expectStopped(run: NpmStart): Promise<void> {
    const code = await Promise.race([run.exited, sleep(30_000).then(() => 'still running' as const)]);
    expect(code, run.output()).toBe(0);
    await waitFor('every process of the group to exit', () => !groupAlive(run.pid), 5_000);
  }

  it('SIGINT mid-drain, restart, three times: no transaction starts after a signal, every message arrives exactly once', async () => {
    // Queued while the primary is down, so the drain starts with every message waiting and two sessions.
    await postfix.pause();
    const first = await npmStart(env, dataDir, cleanup);
    const tag = randomUUID().slice(0, 8);
    const ids = Array.from({ length: MESSAGES }, (_, n) => `slow-stop.${n + 1}.${tag}@sender.test`);
    for (const [n, id] of ids.entries()) {
      const raw = Buffer.from(`From: alice@sender.test\r\nTo: bob@example.com\r\nSubject: slow stop ${n + 1}\r\nMessage-ID: <${id}>\r\n\r\nbody ${n + 1}\r\n`);
      await sendMail(first.info.smtpPort, 'alice@sender.test', ['bob@example.com'], raw);
    }
    await postfix.resume();

    const ours = () => [...postfixRecord(postfix.log()).queued].filter(([id]) => ids.includes(id));
    let run = first;
    for (let signal = 1; signal <= SIGNALS; signal++) {
      // Mid-drain: a few more messages taken by Postfix since this run started.
      const before = ours().length;
      await waitFor(`run ${signal} to deliver a few`, () => ours().length >= before + 3, 40_000);
      const startedAtSignal = postfixRecord(postfix.log()).started;
      process.kill(-run.pid, 'SIGINT');
      await expectStopped(run);
      // The transactions on the wire at the signal (at most one a session) may log their start late; nothing else starts.
      const startedAfter = postfixRecord(postfix.log()).started - startedAtSignal;
      expect(startedAfter, `transactions started after signal ${signal}\n${run.output()}`).toBeLessThanOrEqual(MAX_SESSIONS);
      const waiting = /stopping: waiting for (\d+) deliver/.exec(run.output());
      if (waiting) expect(Number(waiting[1]), run.output()).toBeLessThanOrEqual(MAX_SESSIONS);
      expect(run.output()).not.toMatch(/did not finish/);
      expect(ours().length, 'the signal came mid-drain').toBeLessThan(MESSAGES);
      run = await npmStart(env, dataDir, cleanup);
    }

    await waitFor('every message queued by Postfix', () => ours().length === MESSAGES, 60_000);
    await sleep(1_500); // a duplicate would show now
    process.kill(-run.pid, 'SIGINT');
    await expectStopped(run);
    const queued = new Map(ours());
    expect([...queued.keys()].sort()).toEqual([...ids].sort());
    const twice = [...queued].filter(([, n]) => n !== 1);
    expect(twice, 'Message-IDs Postfix queued more than once').toEqual([]);
  }, 150_000);
});
