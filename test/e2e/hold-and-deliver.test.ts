// The whole local pipeline, as `npm start` runs it: a real SMTP client sends
// to the SES stand-in while the primary (a real SMTP server on loopback) is
// down for the probe: it greets only after the probe's step timeout. It is
// listening and would take mail from anyone who waited, so "nothing is
// delivered" is a check that can fail (a primary that is not listening at all
// could never show a delivery). The mail is queued and listed; when the
// primary answers in time the probe starts a drain that delivers it once, with
// the envelope of the SMTP session (BCC recipient, null sender) and the
// client's bytes behind the added headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalBackupMx } from '../../local/runner/local-backup-mx.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import {
  cleanups,
  clientMessage,
  endsWith,
  queueId,
  runnerEnv,
  sendMail,
  sleep,
  startMx,
  tempDir,
  waitFor,
  writeContextFile,
} from '../support/runner/e2e-support.js';

/** Longer than the probe's step timeout (BACKUPMX_PROBE_TIMEOUT_MS=1000 in runnerEnv). */
const SLOW_GREETING_MS = 2_500;

describe('local backup MX end to end: hold while down, deliver when up', () => {
  const cleanup = cleanups();
  let primary: ScriptedPrimary;
  let mx: LocalBackupMx;
  let lines: string[];
  const sent: { id: string; from: string; to: string[]; raw: Buffer }[] = [];

  beforeAll(async () => {
    // Down for the probe (its step timeout is 1 s here), up for a client that waits (nodemailer waits 30 s).
    primary = await ScriptedPrimary.start({ starttls: 'off', script: { greetingDelayMs: SLOW_GREETING_MS } });
    cleanup.add(() => primary.stop());
    const dir = await tempDir(cleanup);
    const contextFile = await writeContextFile(dir, [
      { name: 'main', domains: ['example.com', 'example.org'], primaryPort: primary.port },
      { name: 'vip', domains: ['vip.test'], recipients: ['boss@vip.test'], primaryPort: primary.port },
    ]);
    ({ mx, lines } = await startMx(runnerEnv(contextFile, { BACKUPMX_DATA_DIR: undefined }), cleanup));
  });

  afterAll(() => cleanup.run());

  it('refuses recipients outside the configured domains and allow-lists with 550 at RCPT', async () => {
    const mixed = await sendMail(mx.smtpPort, 'eve@sender.test', ['stranger@elsewhere.test', 'nobody@vip.test'], clientMessage(0, 'x'))
      .then(() => undefined, (error: { code?: string; rejectedErrors?: { responseCode?: number }[] }) => error);
    // Every recipient refused: nodemailer gives up with EENVELOPE and each RCPT's 550.
    expect(mixed?.code).toBe('EENVELOPE');
    expect(mixed?.rejectedErrors?.map((e) => e.responseCode)).toEqual([550, 550]);

    const raw = clientMessage(0, 'boss@vip.test');
    const partly = await sendMail(mx.smtpPort, 'eve@sender.test', ['stranger@elsewhere.test', 'boss@vip.test'], raw);
    expect(partly.accepted).toEqual(['boss@vip.test']);
    expect(partly.rejected).toEqual(['stranger@elsewhere.test']);
    expect(partly.rejectedErrors?.[0]?.responseCode).toBe(550);
    sent.push({ id: queueId(partly), from: 'eve@sender.test', to: ['boss@vip.test'], raw });
  });

  it('queues mail while the primary is down for the probe and delivers none of it, though the primary could take it', async () => {
    await waitFor('the probe to see the primary down', () => lines.some((l) => /primary main down \(greeting: timeout after 1000 ms\)/.test(l)));
    const mails = [
      { from: 'alice@sender.test', to: ['bob@example.com'], raw: clientMessage(1, 'bob@example.com') },
      // carol@example.org is a BCC: in the envelope only.
      { from: 'alice@sender.test', to: ['bob@example.com', 'carol@example.org'], raw: clientMessage(2, 'bob@example.com') },
      { from: '', to: ['bob@example.com'], raw: clientMessage(3, 'bob@example.com', '') },
    ];
    for (const mail of mails) {
      const outcome = await sendMail(mx.smtpPort, mail.from, mail.to, mail.raw);
      expect(outcome.response).toMatch(/^250 /);
      sent.push({ id: queueId(outcome), ...mail });
    }

    const queued = await mx.composed.deps.index.listQueued();
    expect(queued.map((m) => m.messageId).sort()).toEqual(sent.map((m) => m.id).sort());
    const bcc = queued.find((m) => m.messageId === sent[2]!.id)!;
    expect(bcc).toMatchObject({ route: 'main', sender: 'alice@sender.test', state: 'queued' });
    expect(bcc.recipients.sort()).toEqual(['bob@example.com', 'carol@example.org']);
    expect(queued.find((m) => m.messageId === sent[3]!.id)).toMatchObject({ sender: '', subject: 'e2e message 3' });
    expect(lines).toContain(lines.find((l) => l.includes(`queued ${sent[3]!.id} from <> to 1 recipient`)));

    await sleep(2_500); // two more probe rounds: still nothing may be sent
    expect(primary.running).toBe(true);
    expect(primary.connectionCount).toBeGreaterThan(0); // the probe reached it: a delivery would have too
    expect(primary.messages).toEqual([]);
    expect(await mx.composed.deps.index.listQueued()).toHaveLength(sent.length);
  });

  it('delivers everything once when the primary comes up, envelope intact and bytes unchanged', async () => {
    primary.script = {}; // greets at once: up for the probe
    await primary.waitForMessages(sent.length, 15_000);
    await waitFor('mailq to empty', async () => (await mx.composed.deps.index.listQueued()).length === 0);

    for (const mail of sent) {
      const got = primary.messages.filter((m) => endsWith(m.raw, mail.raw));
      expect(got, `message ${mail.id}`).toHaveLength(1);
      expect(got[0]!.from).toBe(mail.from);
      expect([...got[0]!.to].sort()).toEqual([...mail.to].sort());
      // Our trace header first, then what SES prepends, then the client's bytes as sent.
      const head = got[0]!.raw.subarray(0, got[0]!.raw.length - mail.raw.length).toString('latin1');
      expect(head).toMatch(/^Received: from [\s\S]*by backup-mx\.e2e\.test/);
      expect(head).toContain(`Return-Path: <${mail.from}>`);
      expect(head).toMatch(/X-SES-Spam-Verdict: PASS\r\n/);
      const outcomes = await mx.composed.deps.ledger.outcomes(mail.id);
      expect([...outcomes.values()].map((o) => o.state)).toEqual(mail.to.map(() => 'delivered'));
    }
    expect(lines.some((l) => /primary main up \(127\.0\.0\.1:\d+, \d+ ms\)/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes(`delivered ${sent[2]!.id} to <carol@example.org> via 127.0.0.1:${primary.port}`))).toBe(true);

    await sleep(2_000); // more probe rounds: nothing is delivered twice
    expect(primary.messages).toHaveLength(sent.length);
    expect(await mx.engine.queue(mx.engine.route('main')).depth()).toMatchObject({ visible: 0, inFlight: 0 });
  });
});
