// At start, one line per route with the primary's TLS certificate: its
// fingerprint ready to paste as tlsFingerprints, whether it verifies against
// the public CAs for the configured host, whether it matches the pins. Read in
// the background after "ready" with a short timeout: the primary may be down,
// and a start must neither wait for it nor fail because of it. Nothing secret
// is sent (primary-certificate.ts stops after STARTTLS).
import type { Route } from '../../lambdas/core/model.js';
import { describeReport, readPrimaryCertificate } from '../../lambdas/adapters/smtp/primary-certificate.js';
import type { ExtraTlsOptions } from '../../lambdas/adapters/smtp/tls-policy.js';
import type { LineOutput } from './line-output.js';

/** Longest wait for each step (connect, greeting, EHLO, STARTTLS, handshake). */
export const CERTIFICATE_STEP_TIMEOUT_MS = 3_000;

export interface CertificateLineOptions {
  clientName: string;
  timeoutMs?: number;
  tls?: ExtraTlsOptions;
}

/** Resolves when every route's line is written; never rejects. Routes with tls "none" are skipped. */
export async function announceCertificates(routes: Route[], out: Pick<LineOutput, 'info'>, options: CertificateLineOptions): Promise<void> {
  await Promise.all(
    routes
      .filter((route) => route.primary.tls !== 'none')
      .map(async (route) => {
        const { host, port } = route.primary;
        try {
          const report = await readPrimaryCertificate(route.primary, { clientName: options.clientName, timeoutMs: options.timeoutMs ?? CERTIFICATE_STEP_TIMEOUT_MS, ...(options.tls ? { tls: options.tls } : {}) });
          out.info(`route ${route.name}: certificate of ${host}:${port}: ${describeReport(report, route.primary)}`);
        } catch (error) {
          out.info(`route ${route.name}: could not read the TLS certificate of ${host}:${port} (${(error as Error).message}); \`npx backup-mx --local doctor\` shows it once the primary answers`);
        }
      }),
  );
}
