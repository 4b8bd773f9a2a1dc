// Certificates for the ScriptedPrimary and its clients: made fresh with the openssl CLI at
// test time, so a test can pin, trust or distrust a certificate it controls.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fresh self-signed certificate for the given names (DNS names or IPs), made with the
 * openssl CLI at test time. Trust it on the client with `ca: cert` to test verification.
 */
export function makeTestCertificate(names: string[] = ['localhost', '127.0.0.1'], days = 2): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'backupmx-cert-'));
  try {
    const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', String(days),
      '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${san}`,
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
