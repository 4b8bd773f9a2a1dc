// What the primary says about itself in its EHLO reply and its certificate:
//  - SIZE (RFC 1870) below SES's 40 MB means mail SES accepted for us could be
//    refused by the primary later (552), and then bounced;
//  - with tls "verify", the certificate the drain will insist on must be valid
//    for the host name, trusted, and not about to expire; with "fingerprint"
//    it must match a pin;
//  - whatever the mode, the certificate's fingerprint, ready to paste as
//    tlsFingerprints, and whether it would pass "verify" and the current pins.
// A small SMTP dialog of its own (connect, EHLO, STARTTLS, EHLO, QUIT), since
// the probe reports only up or down. It never sends AUTH.
import { connect as netConnect, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { Route } from '../../lambdas/core/model.js';
import { describePeer, describeReport, fingerprintsLine, type CertificateReport } from '../../lambdas/adapters/smtp/primary-certificate.js';
import { opensslFingerprintCommand } from '../../lib/config/primary-tls-check.js';
import { fail, ok, skip, warn, type CheckResult } from './check.js';

/** SES receiving takes messages up to 40 MB (the S3 action's limit), headers included. */
export const SES_MAX_MESSAGE_BYTES = 40 * 1024 * 1024;
/** Room for the Received header the drain adds in front. */
const OUR_HEADER_BYTES = 1024;
/** Warn when the certificate expires sooner than this. */
export const CERT_WARN_DAYS = 14;

export interface PrimarySession {
  /** EHLO keywords with their parameters, after STARTTLS when it was used. */
  extensions: Map<string, string>;
  tls?: { authorized: boolean; authorizationError?: string; certificate: PeerCertificate; identityError?: string; report?: CertificateReport };
}

export interface SessionOptions {
  clientName: string;
  timeoutMs?: number;
  /** Extra CA to trust (tests). */
  ca?: string;
}

class LineReader {
  private buffer = '';
  private waiting?: (reply: { code: number; lines: string[] }) => void;
  private lines: string[] = [];
  constructor(private socket: Socket | TLSSocket, private readonly onError: (e: Error) => void) {
    this.attach(socket);
  }
  attach(socket: Socket | TLSSocket): void {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => this.feed(data));
    socket.on('error', this.onError);
  }
  private feed(data: string): void {
    this.buffer += data;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      this.lines.push(line.slice(4));
      if (line[3] !== '-') {
        const reply = { code: Number(line.slice(0, 3)), lines: this.lines };
        this.lines = [];
        const w = this.waiting;
        this.waiting = undefined;
        w?.(reply);
      }
    }
  }
  next(): Promise<{ code: number; lines: string[] }> {
    return new Promise((resolve) => (this.waiting = resolve));
  }
  detach(): void {
    this.socket.removeAllListeners('data');
  }
}

/** Opens a session as the drain would (STARTTLS unless tls is "none") and reads what the primary offers. */
export async function readPrimarySession(route: Route, options: SessionOptions): Promise<PrimarySession> {
  const { host, port, tls } = route.primary;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let socket: Socket | TLSSocket = netConnect({ host, port });
  let failed: (e: Error) => void = () => {};
  const failure = new Promise<never>((_, reject) => (failed = reject));
  const timer = setTimeout(() => failed(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  const reader = new LineReader(socket, (e) => failed(e));
  const step = async <T>(p: Promise<T>) => Promise.race([p, failure]);
  try {
    const greeting = await step(reader.next());
    if (greeting.code !== 220) throw new Error(`greeting ${greeting.code} ${greeting.lines.join(' ')}`);
    const ehlo = async () => {
      socket.write(`EHLO ${options.clientName}\r\n`);
      const reply = await step(reader.next());
      if (reply.code !== 250) throw new Error(`EHLO: ${reply.code} ${reply.lines.join(' ')}`);
      return new Map(reply.lines.slice(1).map((l) => { const [k, ...rest] = l.trim().split(/\s+/); return [k!.toUpperCase(), rest.join(' ')] as [string, string]; }));
    };
    let extensions = await ehlo();
    const session: PrimarySession = { extensions };
    if (tls !== 'none' && extensions.has('STARTTLS')) {
      socket.write('STARTTLS\r\n');
      const reply = await step(reader.next());
      if (reply.code !== 220) throw new Error(`STARTTLS: ${reply.code} ${reply.lines.join(' ')}`);
      reader.detach();
      const secure = tlsConnect({ socket, servername: /^[\d.]+$/.test(host) ? undefined : host, rejectUnauthorized: false, ...(options.ca ? { ca: options.ca } : {}) });
      await step(new Promise<void>((resolve, reject) => { secure.once('secureConnect', () => resolve()); secure.once('error', reject); }));
      socket = secure;
      reader.attach(secure);
      const certificate = secure.getPeerCertificate();
      const identity = checkServerIdentity(host, certificate);
      const report = describePeer(secure, route.primary);
      session.tls = {
        authorized: secure.authorized,
        ...(secure.authorizationError ? { authorizationError: String(secure.authorizationError) } : {}),
        certificate,
        ...(identity ? { identityError: identity.message } : {}),
        ...(report ? { report } : {}),
      };
      extensions = await ehlo();
      session.extensions = extensions;
    }
    socket.write('QUIT\r\n');
    return session;
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}

export function checkSize(route: Route, session: PrimarySession): CheckResult {
  const name = `primary SIZE ${route.name}`;
  const size = session.extensions.get('SIZE');
  if (size === undefined) return ok(name, 'no SIZE limit announced');
  const limit = Number(size.split(/\s+/)[0] || 0);
  if (!Number.isFinite(limit) || limit === 0) return ok(name, 'SIZE announced without a limit');
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (limit < SES_MAX_MESSAGE_BYTES + OUR_HEADER_BYTES) {
    return warn(
      name,
      `the primary takes at most ${limit} bytes (${mb(limit)}); SES accepts up to ${mb(SES_MAX_MESSAGE_BYTES)}, so larger mail the backup accepted would be refused (552) and bounced later`,
      `raise the primary's limit to at least ${SES_MAX_MESSAGE_BYTES + OUR_HEADER_BYTES} bytes (Postfix: message_size_limit = 42000000)`,
    );
  }
  return ok(name, `SIZE ${limit} (${mb(limit)}) ≥ SES's 40 MB`);
}

export function checkCertificate(route: Route, session: PrimarySession, now: Date): CheckResult {
  const name = `primary TLS certificate ${route.name}`;
  const { host, port } = route.primary;
  if (route.primary.tls === 'fingerprint') return checkPinned(route, session);
  if (route.primary.tls !== 'verify') return skip(name, `tls is "${route.primary.tls}": the drain does not check the certificate${route.primary.authSecretName ? ' and withholds AUTH' : ''}`);
  const tls = session.tls;
  const pin = tls?.report ? ` ${fingerprintsLine(tls.report.digests)}` : '';
  const fix = `install a certificate for ${host} from a public CA (e.g. Let's Encrypt) on the primary, or pin the one it has with tls "fingerprint" and${pin || ' tlsFingerprints'}`;
  if (!tls) return fail(name, `the primary does not offer STARTTLS, which tls "verify" requires: every delivery would fail`, `enable STARTTLS on ${host}:${port}`);
  const validTo = new Date(tls.certificate.valid_to);
  const daysLeft = Math.floor((validTo.getTime() - now.getTime()) / 86_400_000);
  if (tls.identityError) return fail(name, `${tls.identityError}: the drain would refuse it`, fix);
  if (!tls.authorized) return fail(name, `not trusted: ${tls.authorizationError ?? 'unknown reason'}; the drain would refuse it`, fix);
  if (daysLeft < 0) return fail(name, `expired on ${validTo.toISOString()}`, fix);
  if (daysLeft < CERT_WARN_DAYS) return warn(name, `valid, but expires in ${daysLeft} day${daysLeft === 1 ? '' : 's'} (${validTo.toISOString()})`, `renew the certificate of ${host}`);
  return ok(name, `valid for ${host} until ${validTo.toISOString()} (${daysLeft} days)`);
}

/** tls "fingerprint": the certificate must match a pin; its chain, name and expiry do not matter (as in Postfix). */
function checkPinned(route: Route, session: PrimarySession): CheckResult {
  const name = `primary TLS certificate ${route.name}`;
  const { host, port } = route.primary;
  const report = session.tls?.report;
  if (!report) return fail(name, 'the primary does not offer STARTTLS, which tls "fingerprint" requires: every delivery would fail', `enable STARTTLS on ${host}:${port}`);
  if (report.pinned) return ok(name, `matches tlsFingerprints (${fingerprintsLine(report.digests)})`);
  return fail(
    name,
    `the certificate of ${host}:${port} matches none of tlsFingerprints: the drain and the probe refuse it (someone in the middle, or a new certificate)`,
    `if the primary's certificate was replaced on purpose (check on the primary: ${opensslFingerprintCommand(host, port)}), set ${fingerprintsLine(report.digests)}, keeping the old one in the list until the deploy is done`,
  );
}

/** The certificate's fingerprint, ready to paste, and what it would pass; informational whatever the mode. */
export function checkFingerprint(route: Route, session: PrimarySession): CheckResult {
  const name = `primary TLS fingerprint ${route.name}`;
  if (route.primary.tls === 'none') return skip(name, 'tls is "none": no STARTTLS tried');
  const report = session.tls?.report;
  if (!report) return skip(name, 'the primary does not offer STARTTLS: no certificate to show');
  return ok(name, describeReport(report, route.primary));
}
