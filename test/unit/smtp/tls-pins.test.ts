// Certificate pins for tls "fingerprint": the spellings a person pastes, the
// two digests (certificate and public key) checked against what openssl prints
// (the commands docs/primary-setup.md gives), rotation lists, and mismatches.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certificateDigests, matchesPins } from '../../../lambdas/adapters/smtp/tls-pins.js';
import { CANONICAL_FINGERPRINT, normalizeFingerprint } from '../../../lambdas/core/policy/tls-fingerprint.js';
import { makeTestCertificate } from '../../support/smtp/scripted-primary-certificate.js';

const HEX = '3a5fb8c1d2e3f405162738495a6b7c8d9eafb0c1d2e3f405162738495a6b7c8d';
const CANONICAL = `sha256:${HEX.toUpperCase().match(/../g)!.join(':')}`;

/** Runs openssl with `input` on stdin. */
const openssl = (args: string[], input: string | Buffer) => execFileSync('openssl', args, { input });

/** A second certificate for the same key (a self-signed certificate renewed without a new key). */
function reissue(key: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'backupmx-pin-'));
  try {
    writeFileSync(join(dir, 'key.pem'), key);
    return execFileSync('openssl', ['req', '-x509', '-key', join(dir, 'key.pem'), '-days', '30', '-subj', '/CN=renewed.test', '-addext', 'subjectAltName=DNS:renewed.test'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const der = (pem: string) => new X509Certificate(pem).raw;

describe('normalizeFingerprint', () => {
  it.each([
    ['the canonical form', CANONICAL],
    ['lower case', CANONICAL.toLowerCase()],
    ['no colons', `sha256:${HEX}`],
    ['no prefix, upper case with colons (Node, Postfix)', CANONICAL.slice('sha256:'.length)],
    ['no prefix, bare hex', HEX],
    ["openssl's line", `SHA256 Fingerprint=${CANONICAL.slice('sha256:'.length)}`],
    ['surrounding blanks', `  ${CANONICAL}\n`],
  ])('accepts %s', (_what, text) => {
    expect(normalizeFingerprint(text)).toBe(CANONICAL);
    expect(CANONICAL_FINGERPRINT.test(normalizeFingerprint(text)!)).toBe(true);
  });

  it.each([
    ['a SHA-1 fingerprint (too short)', 'sha256:' + HEX.slice(0, 40)],
    ['another algorithm', `sha1:${HEX}`],
    ['one digit too many', `${HEX}0`],
    ['not hex', HEX.replace('a', 'g')],
    ['colons not between pairs', `${HEX.slice(0, 3)}:${HEX.slice(3)}`],
    ['some colons only', `${HEX.slice(0, 2)}:${HEX.slice(2)}`],
    ['empty', ''],
  ])('refuses %s', (_what, text) => {
    expect(normalizeFingerprint(text)).toBeUndefined();
  });
});

describe('certificateDigests', () => {
  const cert = makeTestCertificate(['mx.example.com']);

  it('the certificate digest is what `openssl x509 -fingerprint -sha256` prints', () => {
    const printed = openssl(['x509', '-noout', '-fingerprint', '-sha256'], cert.cert).toString().trim();
    expect(certificateDigests(der(cert.cert)).certificate).toBe(normalizeFingerprint(printed));
  });

  it('the public key digest is the SHA-256 of the SPKI, as openssl computes it', () => {
    const spki = openssl(['pkey', '-pubin', '-outform', 'der'], openssl(['x509', '-noout', '-pubkey'], cert.cert));
    const printed = openssl(['dgst', '-sha256', '-r'], spki).toString().split(' ')[0]!;
    expect(certificateDigests(der(cert.cert)).publicKey).toBe(normalizeFingerprint(printed));
  });
});

describe('matchesPins', () => {
  const current = makeTestCertificate(['mx.example.com']);
  const next = makeTestCertificate(['mx.example.com']);
  const digests = certificateDigests(der(current.cert));
  const nextDigests = certificateDigests(der(next.cert));

  it('matches a pin of the certificate, and one of its public key, in any accepted spelling', () => {
    expect(matchesPins([digests.certificate], digests)).toBe(true);
    expect(matchesPins([digests.publicKey], digests)).toBe(true);
    expect(matchesPins([digests.certificate.toLowerCase().replace(/:/g, '').replace('sha256', '')], digests)).toBe(true);
  });

  it('a rotation list takes the old and the new certificate', () => {
    const pins = [digests.certificate, nextDigests.certificate];
    expect(matchesPins(pins, digests)).toBe(true);
    expect(matchesPins(pins, nextDigests)).toBe(true);
  });

  it('a certificate renewed with the same key keeps matching a public-key pin, not a certificate pin', () => {
    const renewed = certificateDigests(der(reissue(current.key)));
    expect(renewed.certificate).not.toBe(digests.certificate);
    expect(matchesPins([digests.publicKey], renewed)).toBe(true);
    expect(matchesPins([digests.certificate], renewed)).toBe(false);
  });

  it('refuses another certificate, an empty list, and malformed pins', () => {
    expect(matchesPins([nextDigests.certificate, nextDigests.publicKey], digests)).toBe(false);
    expect(matchesPins([], digests)).toBe(false);
    expect(matchesPins(['sha256:', 'not a pin', digests.certificate.slice(0, -3)], digests)).toBe(false);
  });
});
