// What a primary's TLS certificate is and whether backup-mx could trust it:
// its fingerprints (ready to paste as tlsFingerprints), whether it verifies
// against the public CAs for the configured host name, and whether it matches
// the route's pins. For `backup-mx doctor` and the local runner's start: both
// only read and print; nothing secret is sent (greeting, EHLO, STARTTLS, QUIT).
import { isIP } from 'node:net';
import { checkServerIdentity, type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { PrimaryServer } from '../../core/model.js';
import { ProbeStepError, SmtpReplyReader } from './smtp-reply-reader.js';
import { connectStep, tlsStep } from './socket-steps.js';
import { matchesPins, peerDigests, type CertificateDigests } from './tls-pins.js';
import type { ExtraTlsOptions } from './tls-policy.js';

/** Node's authorizationError when the chain verified but the name did not. */
const NAME_MISMATCH = 'ERR_TLS_CERT_ALTNAME_INVALID';

export interface CertificateReport {
  digests: CertificateDigests;
  /** Why the chain does not verify against the public CAs (and any extra CA given); undefined when it does. */
  untrusted?: string;
  /** Why it is not valid for the configured host name; undefined when it is. */
  wrongName?: string;
  /** Matches the route's tlsFingerprints; undefined when the route has none. */
  pinned?: boolean;
}

/** The report for the peer of an established TLS session; undefined when it presented no certificate. */
export function describePeer(socket: TLSSocket, primary: PrimaryServer): CertificateReport | undefined {
  const digests = peerDigests(socket);
  if (!digests) return undefined;
  const certificate = socket.getPeerCertificate();
  // Node's verdict is about the chain, or (once the chain verified) the name it
  // connected with: the name is checked here against the configured host instead.
  const chainError = socket.authorized ? undefined : String(socket.authorizationError);
  const untrusted = chainError === NAME_MISMATCH ? undefined : chainError;
  const identity = checkServerIdentity(primary.host, certificate);
  return {
    digests,
    ...(untrusted !== undefined ? { untrusted } : {}),
    ...(identity ? { wrongName: identity.message } : {}),
    ...(primary.tlsFingerprints?.length ? { pinned: matchesPins(primary.tlsFingerprints, digests) } : {}),
  };
}

/** The configuration line for this certificate, e.g. `"tlsFingerprints": ["sha256:AB:…"]`. */
export function fingerprintsLine(digests: CertificateDigests): string {
  return `"tlsFingerprints": ["${digests.certificate}"]`;
}

/** One sentence: the line to paste, then whether the certificate would pass "verify" and the configured pins. */
export function describeReport(report: CertificateReport, primary: PrimaryServer): string {
  const trust =
    report.untrusted !== undefined
      ? `does not verify against the public CAs (${report.untrusted})`
      : report.wrongName !== undefined
        ? `is not valid for ${primary.host} (${report.wrongName})`
        : `verifies against the public CAs for ${primary.host}`;
  const pins = report.pinned === undefined ? 'no tlsFingerprints configured' : report.pinned ? 'matches tlsFingerprints' : 'matches none of tlsFingerprints';
  return `${fingerprintsLine(report.digests)} (public key ${report.digests.publicKey}); it ${trust}; ${pins}`;
}

export interface ReadCertificateOptions {
  clientName: string;
  timeoutMs: number;
  tls?: ExtraTlsOptions;
}

/** Connects, STARTTLS, and reports the certificate; throws ProbeStepError naming the step that failed. */
export async function readPrimaryCertificate(primary: PrimaryServer, options: ReadCertificateOptions): Promise<CertificateReport> {
  const { timeoutMs } = options;
  const plain = await connectStep(primary, timeoutMs);
  let secured: TLSSocket | undefined;
  try {
    const reader = new SmtpReplyReader(plain);
    const greeting = await reader.next('greeting', timeoutMs);
    if (greeting.code !== 220) throw new ProbeStepError('greeting', greeting.lines.join(' '));
    plain.write(`EHLO ${options.clientName}\r\n`);
    const ehlo = await reader.next('EHLO', timeoutMs);
    if (!ehlo.lines.some((line) => /^\d{3}[ -]STARTTLS\b/i.test(line))) throw new ProbeStepError('STARTTLS', 'not offered');
    plain.write('STARTTLS\r\n');
    const reply = await reader.next('STARTTLS', timeoutMs);
    if (reply.code !== 220) throw new ProbeStepError('STARTTLS', reply.lines.join(' '));
    reader.detach();
    // Reading, not trusting: no pin check here, the chain judged but not enforced.
    const connect: ConnectionOptions = { ...options.tls, rejectUnauthorized: false, ...(isIP(primary.host) ? {} : { servername: primary.host }) };
    secured = await tlsStep(plain, connect, { ...primary, tls: 'required' }, timeoutMs);
    const report = describePeer(secured, primary);
    if (!report) throw new ProbeStepError('TLS', 'no certificate presented');
    reader.attach(secured);
    secured.write('QUIT\r\n');
    return report;
  } finally {
    secured?.destroy();
    plain.destroy();
  }
}
