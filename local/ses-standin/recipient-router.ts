// Decides, at RCPT TO time, which route (SES receipt rule) an envelope
// recipient belongs to. Matching follows SES recipient conditions as the stack
// configures them: a domain matches only itself (case-insensitive; subdomains
// only when listed), and a route with an allow-list accepts only those addresses.
// Internationalized domains compare in their ASCII (xn--) form: smtp-server hands
// us the Unicode form even when the client sent the ASCII one.
import { domainToASCII } from 'node:url';

/** The part of a route the listener needs to accept or refuse a recipient. */
export interface RecipientRule {
  name: string;
  domains: string[];
  /** When present, only these addresses are accepted (unknown ones refused at RCPT). */
  recipients?: string[];
}

export class RecipientRouter {
  private readonly rules: { name: string; domains: Set<string>; recipients?: Set<string> }[];

  constructor(rules: RecipientRule[]) {
    this.rules = rules.map((rule) => ({
      name: rule.name,
      domains: new Set(rule.domains.map(normalizeDomain)),
      recipients: rule.recipients ? new Set(rule.recipients.map(normalizeAddress)) : undefined,
    }));
  }

  /**
   * The name of the first route (in configuration order) that accepts the
   * address, or undefined when none does and the address must be refused.
   */
  routeFor(address: string): string | undefined {
    const normalized = normalizeAddress(address);
    const at = normalized.lastIndexOf('@');
    if (at <= 0 || at === normalized.length - 1) return undefined;
    const domain = normalized.slice(at + 1);
    for (const rule of this.rules) {
      if (!rule.domains.has(domain)) continue;
      if (rule.recipients && !rule.recipients.has(normalized)) continue;
      return rule.name;
    }
    return undefined;
  }
}

function normalizeDomain(domain: string): string {
  // A trailing dot (absolute DNS name) names the same domain.
  const trimmed = domain.trim().replace(/\.$/, '');
  return (domainToASCII(trimmed) || trimmed).toLowerCase();
}

/**
 * The address with its domain in ASCII (xn--) form, local part untouched: what
 * the envelope carries on to the notification and the primary, whichever form
 * the client used.
 */
export function asciiAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return address;
  const domain = address.slice(at + 1);
  return `${address.slice(0, at)}@${domainToASCII(domain) || domain}`;
}

/**
 * Domains are case-insensitive (RFC 5321 §2.4); local parts are compared
 * case-insensitively too, as SES recipient conditions do.
 */
function normalizeAddress(address: string): string {
  const trimmed = address.trim();
  const at = trimmed.lastIndexOf('@');
  if (at < 0) return trimmed.toLowerCase();
  return `${trimmed.slice(0, at).toLowerCase()}@${normalizeDomain(trimmed.slice(at + 1))}`;
}
