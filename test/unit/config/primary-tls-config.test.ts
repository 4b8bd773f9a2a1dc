// A route's TLS mode against its AUTH secret and pins (lib/config/primary-tls-check.ts):
// AUTH only with "verify" or "fingerprint", pins only (and always) with
// "fingerprint", malformed pins named. The runtime settings (the route table the
// Lambdas read) check their own half: "fingerprint" needs pins.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BackupMxConfigError, parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';
import { ENV, loadSettings, SettingsError } from '../../../lambdas/config/settings.js';

const PIN = 'sha256:3A:5F:B8:C1:D2:E3:F4:05:16:27:38:49:5A:6B:7C:8D:9E:AF:B0:C1:D2:E3:F4:05:16:27:38:49:5A:6B:7C:8D';
const context = (primary: Record<string, unknown>) => ({ region: 'eu-west-1', routes: [{ name: 'corp', domains: ['example.com'], primary: { host: 'mail.example.com', port: 587, ...primary } }] });

function problemsOf(primary: Record<string, unknown>): string[] {
  try {
    parseBackupMxConfig(context(primary));
  } catch (error) {
    expect(error).toBeInstanceOf(BackupMxConfigError);
    return (error as BackupMxConfigError).problems;
  }
  throw new Error('expected the configuration to be refused');
}

const BOTH_FIXES = [
  'AUTH needs an authenticated primary: use "tls": "verify" when mail.example.com has a certificate from a public CA for that name, ',
  'or "tls": "fingerprint" with "tlsFingerprints": ["sha256:…"] when it is self-signed (`npx backup-mx doctor` prints it ready to paste, ',
  'or: openssl s_client -starttls smtp -connect mail.example.com:587 </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256)',
].join('');

describe('AUTH needs an authenticated primary', () => {
  it.each([
    ['tls not set (opportunistic is the default)', {}, '"opportunistic" (the default) goes on without TLS when STARTTLS is not offered and takes any certificate, so anyone between AWS and the primary would receive the AUTH password (authSecretName). '],
    ['opportunistic', { tls: 'opportunistic' }, '"opportunistic" (the default) goes on without TLS when STARTTLS is not offered and takes any certificate, so anyone between AWS and the primary would receive the AUTH password (authSecretName). '],
    ['required', { tls: 'required' }, '"required" takes any certificate, so anyone between AWS and the primary who answers STARTTLS with a certificate of their own would receive the AUTH password (authSecretName). '],
    ['none', { tls: 'none' }, '"none" sends the AUTH password (authSecretName) in plain text. '],
  ])('refuses authSecretName with %s, naming both fixes', (_what, primary, exposure) => {
    expect(problemsOf({ ...primary, authSecretName: 'backup-mx/corp' })).toEqual([`backupMx.routes[0].primary.tls: ${exposure}${BOTH_FIXES}`]);
  });

  it('accepts authSecretName with "verify", and with "fingerprint" and a pin', () => {
    expect(parseBackupMxConfig(context({ tls: 'verify', authSecretName: 'backup-mx/corp' })).routes[0]!.primary).toMatchObject({ tls: 'verify', authSecretName: 'backup-mx/corp' });
    const pinned = parseBackupMxConfig(context({ tls: 'fingerprint', tlsFingerprints: [PIN], authSecretName: 'backup-mx/corp' })).routes[0]!.primary;
    expect(pinned).toMatchObject({ tls: 'fingerprint', tlsFingerprints: [PIN], authSecretName: 'backup-mx/corp' });
  });

  it('every mode without AUTH stays valid (someone in the middle reads the mail, but gets no password)', () => {
    for (const tls of ['none', 'opportunistic', 'required', 'verify']) expect(() => parseBackupMxConfig(context({ tls }))).not.toThrow();
  });
});

describe('tlsFingerprints', () => {
  it('are stored in the canonical form, whatever the spelling; several are kept for a rotation', () => {
    const bare = PIN.slice('sha256:'.length).replace(/:/g, '').toLowerCase();
    const primary = parseBackupMxConfig(context({ tls: 'fingerprint', tlsFingerprints: [bare, `SHA256 Fingerprint=${PIN.slice(7)}`] })).routes[0]!.primary;
    expect(primary.tlsFingerprints).toEqual([PIN, PIN]);
  });

  it('"fingerprint" without pins is refused, saying how to get them', () => {
    const [problem, ...rest] = problemsOf({ tls: 'fingerprint' });
    expect(rest).toEqual([]);
    expect(problem).toBe(
      'backupMx.routes[0].primary.tlsFingerprints: tls "fingerprint" needs the SHA-256 fingerprint of the primary\'s certificate; `npx backup-mx doctor` prints it ready to paste, ' +
        'or: openssl s_client -starttls smtp -connect mail.example.com:587 </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256',
    );
  });

  it('an empty list is refused', () => {
    expect(problemsOf({ tls: 'fingerprint', tlsFingerprints: [] })).toEqual(['backupMx.routes[0].primary.tlsFingerprints: expected at least 1 entry, got none']);
  });

  it('pins without "fingerprint" are refused (they would be ignored)', () => {
    expect(problemsOf({ tls: 'verify', tlsFingerprints: [PIN] })).toEqual([
      'backupMx.routes[0].primary.tlsFingerprints: only used with tls "fingerprint" (tls is "verify"); set "tls": "fingerprint" to pin the certificate, or remove tlsFingerprints',
    ]);
  });

  it.each([
    ['a SHA-1 fingerprint', 'sha256:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01', '"sha256:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01"'],
    ['a word', 'my-cert', '"my-cert"'],
    ['a number', 42, '42'],
  ])('a malformed pin (%s) is refused, naming the entry', (_what, pin, shown) => {
    expect(problemsOf({ tls: 'fingerprint', tlsFingerprints: [PIN, pin] })).toEqual([
      `backupMx.routes[0].primary.tlsFingerprints[1]: expected "sha256:" and 64 hex digits, colons between pairs optional (e.g. "sha256:3A:5F:…:C1"), got ${shown}`,
    ]);
  });

  it('"fingerprint" is listed among the modes', () => {
    expect(problemsOf({ tls: 'pinned' })).toEqual(['backupMx.routes[0].primary.tls: expected "none" | "opportunistic" | "required" | "verify" | "fingerprint", got "pinned"']);
  });
});

describe('the runtime settings (the route table the Lambdas read)', () => {
  const env = (primary: Record<string, unknown>) => ({
    [ENV.routes]: JSON.stringify([{ name: 'corp', domains: ['example.com'], primary: { host: 'mail.example.com', port: 587, ...primary }, queueUrl: 'q', bouncePolicy: 'dsn' }]),
    [ENV.tableName]: 't',
    [ENV.bucketName]: 'b',
    [ENV.deadLetterQueueUrl]: 'd',
  });

  it('carry the mode and the pins', () => {
    expect(loadSettings(env({ tls: 'fingerprint', tlsFingerprints: [PIN.toLowerCase()] })).routes[0]!.primary).toEqual({ host: 'mail.example.com', port: 587, tls: 'fingerprint', tlsFingerprints: [PIN] });
  });

  it('refuse "fingerprint" without pins, and a malformed pin, naming the variable', () => {
    expect(() => loadSettings(env({ tls: 'fingerprint' }))).toThrow(SettingsError);
    expect(() => loadSettings(env({ tls: 'fingerprint' }))).toThrow(/BACKUPMX_ROUTES\[0\.primary\.tlsFingerprints\]: tls "fingerprint" needs tlsFingerprints/);
    expect(() => loadSettings(env({ tls: 'fingerprint', tlsFingerprints: ['abc'] }))).toThrow(/BACKUPMX_ROUTES\[0\.primary\.tlsFingerprints\.0\]: expected "sha256:"/);
  });
});

describe('the shipped cdk.json', () => {
  it('is still valid (no AUTH on its example route)', () => {
    const shipped = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')).context.backupMx;
    expect(() => parseBackupMxConfig(shipped)).not.toThrow();
  });
});
