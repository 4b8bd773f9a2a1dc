// What the local runner does with the primary's refusals: a 5xx recipient
// bounces and its DSN, which SES would send in AWS, is written to the data
// dir's bounces/ folder; a 4xx recipient is deferred and stays queued; each
// is said in a plain line.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedPrimary } from '../../support/smtp/scripted-primary.js';
import { cleanups, clientMessage, queueId, runnerEnv, sendMail, startMx, tempDir, waitFor, writeContextFile, type StartedMx } from '../../support/runner/e2e-support.js';

describe('local runner: bounced and deferred recipients', () => {
  const cleanup = cleanups();
  let primary: ScriptedPrimary;
  let started: StartedMx;
  let dataDir: string;

  beforeAll(async () => {
    primary = await ScriptedPrimary.start({
      starttls: 'off',
      script: {
        rcpt: {
          'gone@example.com': { code: 550, enhanced: '5.1.1', text: 'no such user' },
          'busy@example.com': { code: 451, enhanced: '4.2.0', text: 'mailbox busy' },
        },
      },
    });
    cleanup.add(() => primary.stop());
    const dir = await tempDir(cleanup, 'replies');
    dataDir = path.join(dir, 'data');
    const contextFile = await writeContextFile(dir, [{ name: 'main', domains: ['example.com'], primaryPort: primary.port }]);
    started = await startMx(runnerEnv(contextFile, { BACKUPMX_DATA_DIR: dataDir }), cleanup);
  });

  afterAll(() => cleanup.run());

  it('delivers what it can, writes the DSN for the 5xx recipient and defers the 4xx one', async () => {
    const { mx, lines } = started;
    await waitFor('the probe to see the primary up', () => lines.some((l) => l.includes('primary main up')));
    const to = ['bob@example.com', 'gone@example.com', 'busy@example.com'];
    const id = queueId(await sendMail(mx.smtpPort, 'alice@sender.test', to, clientMessage(1, 'bob@example.com')));

    await waitFor('three attempts', () => lines.filter((l) => l.includes(id) && /(delivered|bounced|deferred) /.test(l)).length === 3, 10_000);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`delivered ${id} to <bob@example\\.com> via 127\\.0\\.0\\.1:${primary.port}`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`deferred ${id} <busy@example\\.com>: 451 4\\.2\\.0 mailbox busy`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`bounced ${id} <gone@example\\.com>: 550 5\\.1\\.1 no such user`)));
    await waitFor('the bounce notice line', () => lines.some((l) => l.includes('bounce notice to <alice@sender.test> written to')));

    const files = await readdir(path.join(dataDir, 'bounces'));
    expect(files).toHaveLength(1);
    const dsn = await readFile(path.join(dataDir, 'bounces', files[0]!), 'utf8');
    expect(dsn).toMatch(/^X-Envelope-From: <>\r\nX-Envelope-To: <alice@sender\.test>\r\n/);
    expect(dsn).toContain('Final-Recipient: rfc822; gone@example.com');
    expect(dsn).toMatch(/Status: 5\.1\.1/);
    expect(mx.bounces.sent).toHaveLength(1);

    const outcomes = await mx.composed.deps.ledger.outcomes(id);
    expect(outcomes.get('bob@example.com')?.state).toBe('delivered');
    expect(outcomes.get('gone@example.com')?.state).toBe('bounced');
    expect(outcomes.get('busy@example.com')?.state).toBe('deferred');
    expect((await mx.composed.deps.index.listQueued('main')).map((m) => m.messageId)).toEqual([id]);
    expect(primary.messages).toHaveLength(1);
    expect(primary.messages[0]!.to).toEqual(['bob@example.com']);
  });
});
