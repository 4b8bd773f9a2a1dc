// docs/primary-setup.md "Trusting the original client", tested: a real Postfix
// with the guide's XCLIENT listener (its Elastic IP replaced by 127.0.0.1, where
// the local backup MX connects from) and, as the reader's own port-25 checks in
// main.cf, a check_client_access rule that PREPENDs a header for 127.0.0.2 only.
// A sender connects to the local backup MX from 127.0.0.2; three routes send
// to the same listener with forwardClient "xclient", "xforward" and none.
import { writeFile } from 'node:fs/promises';
import nodemailer from 'nodemailer';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostfixPrimary, postfixUnavailable } from '../support/smtp/postfix-primary.js';
import { postfixSkipReason } from '../support/smtp/postfix-required.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { cleanups, clientMessage, endsWith, runnerEnv, startMx, tempDir, waitFor, type StartedMx } from '../support/runner/e2e-support.js';

const unavailable = postfixSkipReason(postfixUnavailable(), 'the Postfix XCLIENT/XFORWARD e2e test');
const JUDGED = 'X-Client-Check: judged as 127.0.0.2';

/** A message from 127.0.0.2, saying EHLO sender.example, into the local backup MX. */
async function sendFrom127002(port: number, to: string, raw: Buffer): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, localAddress: '127.0.0.2', name: 'sender.example' });
  try {
    await transport.sendMail({ envelope: { from: 'alice@sender.test', to: [to] }, raw });
  } finally {
    transport.close();
  }
}

describe.skipIf(unavailable !== undefined)('the original client told to a real Postfix', () => {
  const cleanup = cleanups();
  let mailbox: ScriptedPrimary;
  let postfix: PostfixPrimary;
  let started: StartedMx;

  beforeAll(async () => {
    mailbox = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => mailbox.stop());
    postfix = await PostfixPrimary.start({
      domain: 'example.com',
      moreDomains: ['example.net', 'example.org'],
      users: ['bob@example.com'],
      mailbox: { host: '127.0.0.1', port: mailbox.port },
      password: 'unused here',
      listener: 'postfix-xclient-master.cf',
      mainCf: ['smtpd_client_restrictions = check_client_access texthash:{dir}/client_access'],
      files: { client_access: `127.0.0.2 PREPEND ${JUDGED}\n` },
    });
    cleanup.add(() => postfix.stop());
    const dir = await tempDir(cleanup, 'postfix-xclient');
    const contextFile = path.join(dir, 'context.json');
    const primary = { host: '127.0.0.1', port: postfix.port, tls: 'fingerprint', tlsFingerprints: [postfix.certificateFingerprint] };
    await writeFile(
      contextFile,
      JSON.stringify({
        backupMx: {
          region: 'us-east-1',
          hostname: 'backup-mx.e2e.test',
          routes: [
            { name: 'xclient', domains: ['example.com'], primary: { ...primary, forwardClient: 'xclient' } },
            { name: 'xforward', domains: ['example.net'], primary: { ...primary, forwardClient: 'xforward' } },
            { name: 'plain', domains: ['example.org'], primary },
          ],
        },
      }),
    );
    started = await startMx(runnerEnv(contextFile, { BACKUPMX_PROBE_INTERVAL_SECONDS: '60', BACKUPMX_PROBE_TIMEOUT_MS: '5000' }), cleanup);
  }, 60_000);
  afterAll(() => cleanup.run(), 30_000);

  it('XCLIENT: judged and logged as 127.0.0.2; XFORWARD: logged so, not judged; neither: from us', async () => {
    const raws = { com: clientMessage(1, 'bob@example.com'), net: clientMessage(2, 'bob@example.net'), org: clientMessage(3, 'bob@example.org') };
    await sendFrom127002(started.mx.smtpPort, 'bob@example.com', raws.com);
    await sendFrom127002(started.mx.smtpPort, 'bob@example.net', raws.net);
    await sendFrom127002(started.mx.smtpPort, 'bob@example.org', raws.org);
    await started.mx.engine.probe(started.mx.drains);
    await started.mx.drains.idle();
    await waitFor('Postfix to pass the three messages on', () => mailbox.messages.length === 3, 20_000);

    const at = (domain: string) => mailbox.messagesFor(`bob@${domain}`)[0]!;
    const head = (domain: string) => at(domain).raw.toString('latin1').split('\r\n\r\n')[0]!;
    // The original bytes arrive unchanged under the trace headers.
    expect(endsWith(at('example.com').raw, raws.com)).toBe(true);
    expect(endsWith(at('example.net').raw, raws.net)).toBe(true);
    // XCLIENT: the check_client_access rule on 127.0.0.2 took effect.
    expect(head('example.com')).toContain(JUDGED);
    expect(head('example.net')).not.toContain(JUDGED);
    expect(head('example.org')).not.toContain(JUDGED);

    const log = postfix.log();
    const queueIdOf = (domain: string) => /\(Postfix\) with \S+ id ([0-9A-F]+)/.exec(head(domain))![1]!;
    const clientLine = (domain: string) => log.split('\n').find((l) => l.includes(`${queueIdOf(domain)}: client=`))!;
    expect(clientLine('example.com')).toMatch(/: client=\S+\[127\.0\.0\.2\]$/);
    expect(clientLine('example.net')).toMatch(/: client=\S+\[127\.0\.0\.1\], orig_client=\S+\[127\.0\.0\.2\]$/);
    expect(clientLine('example.org')).toMatch(/: client=\S+\[127\.0\.0\.1\]$/);
    // Postfix's own Received header names the client it judged, with the HELO the sender gave.
    expect(head('example.com')).toMatch(/^Received: from sender\.example \(\S+ \[127\.0\.0\.2\]\)/m);
  }, 60_000);
});
