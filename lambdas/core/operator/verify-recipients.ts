// `backup-mx recipients verify`: asks the primary about each address with an
// RCPT TO callout (never DATA) and reports the ones it refuses, so the
// route's allow-list can be fixed before SES accepts mail the primary will
// bounce. Only while the primary is up (a probe first); rate-limited; a fresh
// session every so many addresses and before the primary's error limits
// (Postfix: smtpd_soft_error_limit 10 slows the session down,
// smtpd_hard_error_limit 20 ends it).
import type { Route, SmtpReply } from '../model.js';
import type { CalloutSession, RecipientCallout } from './ports.js';
import type { PrimaryProbe } from '../probe/ports.js';
import { formatReply, isClientMisconfiguration } from '../policy/smtp-reply-classifier.js';

export interface VerifyRecipientsDeps {
  probe: PrimaryProbe;
  callout: RecipientCallout;
  sleep: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface VerifyOptions {
  /** RCPT commands per second at most (default 5). */
  ratePerSecond?: number;
  /** Addresses asked in one session before a fresh one (default 50). */
  addressesPerSession?: number;
  /** Refusals in one session before a fresh one (default 8, under Postfix's soft error limit). */
  refusalsPerSession?: number;
  /** Called after each address. */
  onProgress?: (done: number, total: number) => void;
}

/** accepted: 2xx. unknown: the mailbox does not exist (5.1.x, or 550/551/553 without an enhanced code). refused: another 5xx (policy). unsure: 4xx or no answer. */
export type RecipientVerdict = 'accepted' | 'unknown' | 'refused' | 'unsure';

export interface RecipientCheck {
  address: string;
  verdict: RecipientVerdict;
  reply: string;
}

export interface VerifyReport {
  route: string;
  checked: number;
  accepted: number;
  /** Every address that was not accepted, in input order. */
  problems: RecipientCheck[];
  sessions: number;
}

export class PrimaryNotUpError extends Error {
  constructor(readonly route: string, readonly detail: string) {
    super(`route ${route}: the primary is not up (${detail}); recipients verify asks it only while it is up`);
    this.name = 'PrimaryNotUpError';
  }
}

/** The primary refused the callout itself (TLS, AUTH, MAIL FROM:<>): no address can be judged. */
export class CalloutRefusedError extends Error {
  constructor(readonly route: string, readonly detail: string) {
    super(`route ${route}: the primary refused the callout session (${detail}); check the route's primary.tls and authSecretName`);
    this.name = 'CalloutRefusedError';
  }
}

export function verdictOf(reply: SmtpReply): RecipientVerdict {
  if (reply.code === undefined) return 'unsure';
  const klass = Math.floor(reply.code / 100);
  if (klass === 2) return 'accepted';
  if (klass !== 5) return 'unsure';
  if (reply.enhanced) return /^5\.1\.\d+$/.test(reply.enhanced) ? 'unknown' : 'refused';
  return [550, 551, 553].includes(reply.code) ? 'unknown' : 'refused';
}

export class VerifyRecipients {
  constructor(private readonly deps: VerifyRecipientsDeps) {}

  async run(route: Route, addresses: string[], options: VerifyOptions = {}): Promise<VerifyReport> {
    const list = [...new Set(addresses)];
    const health = await this.deps.probe.check(route.primary);
    if (!health.ok) throw new PrimaryNotUpError(route.name, health.error ?? 'probe failed');

    const rate = Math.max(0.1, options.ratePerSecond ?? 5);
    const perSession = Math.max(1, options.addressesPerSession ?? 50);
    const refusalLimit = Math.max(1, options.refusalsPerSession ?? 8);
    const now = this.deps.now ?? (() => Date.now());
    const report: VerifyReport = { route: route.name, checked: 0, accepted: 0, problems: [], sessions: 0 };
    let session: CalloutSession | undefined;
    let asked = 0;
    let refusals = 0;
    let lastAt = -Infinity;

    const open = async () => {
      try {
        session = await this.deps.callout.open(route.primary);
      } catch (error) {
        throw new CalloutRefusedError(route.name, (error as Error).message);
      }
      report.sessions += 1;
      asked = 0;
      refusals = 0;
    };
    const closeSession = async () => {
      await session?.close();
      session = undefined;
    };

    try {
      for (const address of list) {
        if (!session || asked >= perSession || refusals >= refusalLimit) {
          await closeSession();
          await open();
        }
        const wait = lastAt + 1000 / rate - now();
        if (wait > 0) await this.deps.sleep(wait);
        lastAt = now();
        let reply: SmtpReply;
        try {
          reply = await session!.check(address);
        } catch (error) {
          // The session died under this address: ask once more on a fresh one.
          await closeSession().catch(() => undefined);
          await open();
          reply = await session!.check(address).catch((e: Error) => ({ text: `no answer: ${e.message}` }) as SmtpReply);
        }
        asked += 1;
        if (isClientMisconfiguration(reply)) throw new CalloutRefusedError(route.name, `RCPT: ${formatReply(reply)}`);
        const verdict = verdictOf(reply);
        report.checked += 1;
        if (verdict === 'accepted') {
          report.accepted += 1;
        } else {
          report.problems.push({ address, verdict, reply: formatReply(reply) });
          refusals += 1;
        }
        if (reply.code === 421) await closeSession(); // the primary ends the session after 421
        options.onProgress?.(report.checked, list.length);
      }
    } finally {
      await closeSession().catch(() => undefined);
    }
    return report;
  }
}
