// `npm start` sent SIGHUP, as `postfix reload` or an SSH disconnect sends it:
// a changed valid file takes effect without a restart (a new route's mail is
// accepted and delivered, a changed primary port is used), an invalid one is
// named and left out while mail keeps flowing, and the other fatal signals a
// terminal or supervisor sends stop the runner cleanly, runtime file removed.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessAlive, type RuntimeInfo } from '../../local/runtime-file.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { cleanups, clientMessage, refused, runnerEnv, sendMail, sleep, tempDir, waitFor, writeContextFile } from '../support/runner/e2e-support.js';
import { groupAlive, npmStart, npmStartSignalledAt, type NpmStart } from '../support/runner/npm-start-process.js';

/** Waits for the runner and npm to be gone, every port closed and the runtime file removed. */
async function expectCleanStop(run: NpmStart, signal: string): Promise<void> {
  const code = await Promise.race([run.exited, sleep(20_000).then(() => 'still running' as const)]);
  expect(code, run.output()).not.toBe('still running');
  await waitFor('every process of the group to exit', () => !groupAlive(run.pid), 5_000);
  expect(isProcessAlive(run.info.pid)).toBe(false);
  expect(run.output()).toMatch(new RegExp(`${signal}[\\s\\S]*stopped; every port is closed`));
  expect(existsSync(run.runtimeFile), 'runtime.json removed').toBe(false);
  expect(await refused(run.info.smtpPort)).toBe(true);
}

const linesAfter = (run: NpmStart, mark: number) => run.output().slice(mark);

describe('npm start and SIGHUP', () => {
  const cleanup = cleanups();
  afterEach(() => cleanup.run());

  async function setUp(name: string) {
    const first = await ScriptedPrimary.start({ starttls: 'off' });
    const second = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => first.stop());
    cleanup.add(() => second.stop());
    const dir = await tempDir(cleanup, name);
    const dataDir = path.join(dir, 'data');
    const contextFile = await writeContextFile(dir, [{ name: 'main', domains: ['example.com'], primaryPort: first.port }]);
    const run = await npmStart(runnerEnv(contextFile, { BACKUPMX_DATA_DIR: dataDir }), dataDir, cleanup);
    return { first, second, dir, contextFile, run };
  }

  it('a changed valid file takes effect: the new route takes mail, the changed primary port is used; then an invalid file is refused with its field, mail still flows, and SIGQUIT stops cleanly', async () => {
    const { first, second, dir, run } = await setUp('reload');
    await sendMail(run.info.smtpPort, 'alice@sender.test', ['before@example.com'], clientMessage(1, 'before@example.com'));
    await waitFor('delivery to the first primary', () => first.messagesFor('before@example.com').length === 1, 15_000);
    // Before the reload the stand-in refuses the new route's domain at RCPT TO.
    await expect(sendMail(run.info.smtpPort, 'alice@sender.test', ['bob@extra.test'], clientMessage(2, 'bob@extra.test'))).rejects.toThrow(/550/);

    await writeContextFile(dir, [
      { name: 'main', domains: ['example.com'], primaryPort: second.port },
      { name: 'extra', domains: ['extra.test'], primaryPort: second.port },
    ]);
    let mark = run.output().length;
    process.kill(run.info.pid, 'SIGHUP');
    await waitFor('the reload line', () => /reload: /.test(linesAfter(run, mark)), 15_000);
    expect(linesAfter(run, mark)).toMatch(/reload: \S+context\.json: added route extra, changed route main\n/);
    // The CLI finds the new route in the runtime file.
    const info = JSON.parse(await readFile(run.runtimeFile, 'utf8')) as RuntimeInfo;
    expect(info.routes.map((r) => r.name)).toEqual(['main', 'extra']);
    expect(info.pid).toBe(run.info.pid);

    await sendMail(run.info.smtpPort, 'alice@sender.test', ['after@example.com'], clientMessage(3, 'after@example.com'));
    await sendMail(run.info.smtpPort, 'alice@sender.test', ['bob@extra.test'], clientMessage(4, 'bob@extra.test'));
    await waitFor('both delivered to the second primary', () => second.messagesFor('after@example.com').length === 1 && second.messagesFor('bob@extra.test').length === 1, 15_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${run.output()}`);
    });
    expect(first.messagesFor('after@example.com')).toHaveLength(0);

    // An invalid file: named with its field, nothing of it applied.
    const contextFile = path.join(dir, 'context.json');
    const invalid = JSON.parse(await readFile(contextFile, 'utf8')) as { backupMx: { routes: { primary: { port: number } }[] } };
    invalid.backupMx.routes[1]!.primary.port = 99_999;
    await writeFile(contextFile, JSON.stringify(invalid));
    mark = run.output().length;
    process.kill(run.info.pid, 'SIGHUP');
    await waitFor('the refusal line', () => /reload: /.test(linesAfter(run, mark)), 15_000);
    expect(linesAfter(run, mark)).toMatch(/reload: \S+context\.json: invalid backupMx context: backupMx\.routes\[1\]\.primary\.port: [^\n]*; keeping the running configuration\n/);
    expect(isProcessAlive(run.info.pid)).toBe(true);
    await sendMail(run.info.smtpPort, 'alice@sender.test', ['carol@extra.test'], clientMessage(5, 'carol@extra.test'));
    await waitFor('delivery with the running configuration', () => second.messagesFor('carol@extra.test').length === 1, 15_000);

    process.kill(run.info.pid, 'SIGQUIT');
    await expectCleanStop(run, 'SIGQUIT received, stopping');
  });

  it('SIGHUP to the whole group (a closed terminal): npm dies of it, the runner reloads and then stops cleanly as an orphan would', async () => {
    const { run } = await setUp('hangup');
    process.kill(-run.pid, 'SIGHUP');
    await expectCleanStop(run, 'parent process \\d+ exited, stopping');
  });

  it('SIGUSR2 stops cleanly like SIGTERM', async () => {
    const { run } = await setUp('usr2');
    process.kill(run.info.pid, 'SIGUSR2');
    await expectCleanStop(run, 'SIGUSR2 received, stopping');
  });

  // A signal caught while start() was finishing used to be dropped when its early
  // listener was swapped for the running one: the runner then ran on, deaf to it.
  it.each([
    ['while it starts (configuration read, nothing listening yet)', /configuration from /],
    ['the instant it says ready', /ready\. Send a test message/],
  ])('a stop signal %s is acted on once it has started: clean stop, runtime file removed', async (_moment, when) => {
    const dir = await tempDir(cleanup, 'early');
    const primary = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => primary.stop());
    const dataDir = path.join(dir, 'data');
    const contextFile = await writeContextFile(dir, [{ name: 'main', domains: ['example.com'], primaryPort: primary.port }]);
    const run = npmStartSignalledAt(runnerEnv(contextFile, { BACKUPMX_DATA_DIR: dataDir }), when, 'SIGUSR2', cleanup);
    const code = await Promise.race([run.exited, sleep(30_000).then(() => 'still running' as const)]);
    expect(run.signalled(), run.output()).toBe(true);
    expect(code, run.output()).toBe(0);
    expect(run.output()).toMatch(/SIGUSR2 received, stopping[\s\S]*stopped; every port is closed/);
    await waitFor('every process of the group to exit', () => !groupAlive(run.pid), 5_000);
    expect(existsSync(path.join(dataDir, 'runtime.json')), 'runtime.json removed').toBe(false);
  });
});
