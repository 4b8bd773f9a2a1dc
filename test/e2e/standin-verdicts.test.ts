// Trying the quarantine and backscatter paths locally: the stand-in reports
// the verdicts the test message asks for, and the engine acts on them as in
// AWS — a virus FAIL is never delivered, an SPF FAIL sender gets no DSN (the
// primary's refusal is recorded as notice suppressed, not dead-lettered).
import { afterEach, describe, expect, it } from 'vitest';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { cleanups, clientMessage, queueId, runnerEnv, sendMail, startMx, tempDir, waitFor, writeContextFile } from '../support/runner/e2e-support.js';

describe('stand-in verdicts asked for by the test message', () => {
  const cleanup = cleanups();
  afterEach(() => cleanup.run());

  it('quarantines bob+virus@ and suppresses the notice of a 5xx to an SPF-FAIL sender instead of bouncing it', async () => {
    const primary = await ScriptedPrimary.start({ starttls: 'off', script: { rcpt: { 'gone@example.com': { code: 550, enhanced: '5.1.1', text: 'no such user' } } } });
    cleanup.add(() => primary.stop());
    const dir = await tempDir(cleanup, 'verdicts');
    const { mx, lines } = await startMx(runnerEnv(await writeContextFile(dir, [{ name: 'main', domains: ['example.com'], primaryPort: primary.port }])), cleanup);

    const virus = queueId(await sendMail(mx.smtpPort, 'alice@sender.test', ['bob+virus@example.com'], clientMessage(1, 'bob@example.com')));
    const spfRaw = Buffer.concat([Buffer.from('X-BackupMx-Verdicts: spf=FAIL\r\n'), clientMessage(2, 'gone@example.com')]);
    const spf = queueId(await sendMail(mx.smtpPort, 'forged@sender.test', ['gone@example.com'], spfRaw));
    expect(lines.some((l) => l.includes(`queued ${virus}`) && l.includes('verdicts: virus FAIL'))).toBe(true);

    const { deadLetters, ledger } = mx.composed.deps;
    await waitFor('the quarantine and the refusal recorded', async () => (await deadLetters.list('main')).length === 1 && (await ledger.outcomes(spf)).get('gone@example.com')?.notice === 'done', 20_000);
    expect((await deadLetters.list('main')).map((d) => [d.messageId, d.reason])).toEqual([[virus, 'virus']]);
    // Issue 17: the primary refused a recipient of a forged sender: nobody to tell, no dead letter.
    expect((await ledger.outcomes(spf)).get('gone@example.com')).toMatchObject({ state: 'bounced', noticeResult: { kind: 'suppressed', why: 'SPF verdict FAIL' } });
    expect(primary.messages.filter((m) => m.to.includes('bob+virus@example.com'))).toHaveLength(0);
    // The stored message says so too, in the headers SES prepends.
    const head = lines.join('\n');
    expect(head).not.toMatch(/bounce notice to <forged@sender\.test>/);
  });
});
