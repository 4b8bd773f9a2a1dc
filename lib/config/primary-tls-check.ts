// A route's TLS mode against its AUTH secret and pins (invariant 8: secrets
// travel only over authenticated TLS). Only "verify" (CA and host name) and
// "fingerprint" (a pinned certificate or public key) tell the real primary
// from someone in the middle, so only they may carry the AUTH password; pins
// belong to "fingerprint" and it needs at least one. The SMTP client refuses
// to send AUTH otherwise too (credential-gate.ts); this says so at synth, and
// at `npm start`, which parses the same configuration.
import type { TlsMode } from '../../lambdas/core/model.js';

interface Shape {
  routes: { primary: { host: string; port: number; tls: TlsMode; tlsFingerprints?: string[] | undefined; authSecretName?: string | undefined } }[];
}

/** How to read the primary's fingerprint without backup-mx. */
export function opensslFingerprintCommand(host: string, port: number): string {
  return `openssl s_client -starttls smtp -connect ${host}:${port} </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256`;
}

/** What someone in the middle does with the password under each mode that does not authenticate the primary. */
const EXPOSURE: Record<Exclude<TlsMode, 'verify' | 'fingerprint'>, string> = {
  none: 'sends the AUTH password (authSecretName) in plain text',
  opportunistic:
    '(the default) goes on without TLS when STARTTLS is not offered and takes any certificate, so anyone between AWS and the primary would receive the AUTH password (authSecretName)',
  required: 'takes any certificate, so anyone between AWS and the primary who answers STARTTLS with a certificate of their own would receive the AUTH password (authSecretName)',
};

/** Problems to refuse the configuration with, naming the field and both fixes. */
export function primaryTlsProblems(config: Shape): string[] {
  const problems: string[] = [];
  config.routes.forEach(({ primary }, i) => {
    const at = `backupMx.routes[${i}].primary`;
    const pins = primary.tlsFingerprints ?? [];
    const howToPin = `\`npx backup-mx doctor\` prints it ready to paste, or: ${opensslFingerprintCommand(primary.host, primary.port)}`;
    if (primary.authSecretName !== undefined && primary.tls !== 'verify' && primary.tls !== 'fingerprint') {
      problems.push(
        `${at}.tls: "${primary.tls}" ${EXPOSURE[primary.tls]}. AUTH needs an authenticated primary: ` +
          `use "tls": "verify" when ${primary.host} has a certificate from a public CA for that name, ` +
          `or "tls": "fingerprint" with "tlsFingerprints": ["sha256:…"] when it is self-signed (${howToPin})`,
      );
    }
    if (primary.tls === 'fingerprint' && pins.length === 0) {
      problems.push(`${at}.tlsFingerprints: tls "fingerprint" needs the SHA-256 fingerprint of the primary's certificate; ${howToPin}`);
    }
    if (pins.length > 0 && primary.tls !== 'fingerprint') {
      problems.push(`${at}.tlsFingerprints: only used with tls "fingerprint" (tls is "${primary.tls}"); set "tls": "fingerprint" to pin the certificate, or remove tlsFingerprints`);
    }
  });
  return problems;
}
