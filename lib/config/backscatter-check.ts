// Routes open to backscatter: SES accepts any address in some of their domains
// (no recipient list there), so mail to unknown users reaches the primary, is
// refused, and each refusal would be a notice to whoever the envelope names.
// The engine now tells only authenticated return paths (lambdas/core/
// notice-policy.ts) within an hourly budget, but the recipient list is the
// real fix (Postfix BACKSCATTER_README): SES then refuses unknown users during
// SMTP, and nothing reaches the queue. Synth warns, `doctor` flags it.
import { ruleRecipients } from './receipt-rule-chunks.js';

export interface BackscatterRisk {
  route: string;
  /** Domains SES accepts any address in. */
  openDomains: string[];
}

/** The domains of the route that have no address listed (SES takes any local part there). */
export function openDomains(route: { domains: string[]; recipients?: string[] }): string[] {
  const ruled = new Set(ruleRecipients(route));
  return route.domains.filter((domain) => ruled.has(domain));
}

/**
 * What the engine's route gets from the configuration (the stack's route table
 * and the local runner alike): its hourly notice budget, and whether SES takes
 * any address in one of its domains (doctor warns).
 */
export function noticePolicy(
  route: { domains: string[]; recipients?: string[]; dsnPerHour?: number | undefined },
  config: { dsnPerHour: number },
): { dsnPerHour: number; anyRecipient?: true } {
  return { dsnPerHour: route.dsnPerHour ?? config.dsnPerHour, ...(openDomains(route).length > 0 ? { anyRecipient: true as const } : {}) };
}

/** Routes that send DSNs and accept any address in at least one domain. */
export function backscatterRisks(config: { routes: { name: string; domains: string[]; recipients?: string[]; bouncePolicy: string }[] }): BackscatterRisk[] {
  return config.routes.flatMap((route) => {
    const open = openDomains(route);
    return route.bouncePolicy === 'dsn' && open.length > 0 ? [{ route: route.name, openDomains: open }] : [];
  });
}

/** The warning synth prints (and the local runner at start), naming the risk and the fixes. */
export function backscatterWarning(risk: BackscatterRisk, perHour: number): string {
  const domains = risk.openDomains.slice(0, 3).join(', ') + (risk.openDomains.length > 3 ? `, and ${risk.openDomains.length - 3} more` : '');
  return (
    `route "${risk.route}" has no recipient list for ${domains} and bouncePolicy "dsn": mail to unknown users there is accepted, ` +
    'refused by the primary, and would earn a bounce notice (DSN) to the sender it claims, which spammers forge. backup-mx sends ' +
    `notices only to senders that authenticated, at most ${perHour} an hour (the rest are held), but bounced notices still count ` +
    'against your SES account (AWS reviews it at a 5 % bounce rate and may pause all its sending at 10 %). Fix: list the addresses ' +
    'in "recipients" or "recipientsFile" (SES then refuses unknown users during SMTP), or set "bouncePolicy": "dead-letter"; ' +
    'lower "dsnPerHour" to send fewer (README: Bounces and backscatter)'
  );
}
