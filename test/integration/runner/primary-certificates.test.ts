// The runner's start-up line about each primary's certificate: the pin ready to
// paste when the primary answers; one line saying why not when it does not
// (down, stalled, no STARTTLS), never an error, bounded by the step timeout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Route } from '../../../lambdas/core/model.js';
import { announceCertificates } from '../../../local/runner/primary-certificates.js';
import { ScriptedPrimary } from '../../support/smtp/scripted-primary.js';
import { makeTestCertificate } from '../../support/smtp/scripted-primary-certificate.js';

const route = (name: string, p: { port: number }, tls: Route['primary']['tls'] = 'required'): Route => ({
  name, domains: [`${name}.example`], primary: { host: '127.0.0.1', port: p.port, tls }, queueUrl: 'q', bouncePolicy: 'dsn',
});

describe('announceCertificates', () => {
  let good: ScriptedPrimary;
  let stalled: ScriptedPrimary;
  let gone: { port: number };
  beforeAll(async () => {
    good = await ScriptedPrimary.start({ certificate: makeTestCertificate(['localhost', '127.0.0.1']) });
    stalled = await ScriptedPrimary.start({ script: { greeting: 'stall' } });
    const stopped = await ScriptedPrimary.start();
    gone = { port: stopped.port };
    await stopped.stop();
  });
  afterAll(async () => {
    await good.stop();
    await stalled.stop();
  });

  it('one line per route with tls, within the step timeout, whatever the primaries do; tls "none" is left out', async () => {
    const lines: string[] = [];
    const started = Date.now();
    await announceCertificates(
      [route('good', good), route('stalled', stalled), route('gone', gone), route('plain', good, 'none')],
      { info: (line) => void lines.push(line) },
      { clientName: 'backup-mx.test', timeoutMs: 300 },
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(lines.sort()).toEqual([
      `route gone: could not read the TLS certificate of 127.0.0.1:${gone.port} (connect: ECONNREFUSED); \`npx backup-mx --local doctor\` shows it once the primary answers`,
      expect.stringMatching(new RegExp(`^route good: certificate of 127\\.0\\.0\\.1:${good.port}: "tlsFingerprints": \\["${good.certificateFingerprint}"\\] \\(public key sha256:[0-9A-F:]+\\); it does not verify against the public CAs \\(DEPTH_ZERO_SELF_SIGNED_CERT\\); no tlsFingerprints configured$`)),
      `route stalled: could not read the TLS certificate of 127.0.0.1:${stalled.port} (greeting: timeout after 300 ms); \`npx backup-mx --local doctor\` shows it once the primary answers`,
    ]);
    // Nothing but EHLO and STARTTLS (and a parting QUIT over TLS, if it arrives) was said to the primary.
    expect(good.commands.filter((c) => c !== 'QUIT')).toEqual(['EHLO', 'STARTTLS']);
  });
});
