// Decides, at RCPT TO time, which route and which of its SES receipt rules an
// envelope recipient belongs to. The rules are the stack's: a route's matched
// entries split into rules of at most 100 (lib/config/receipt-rule-chunks), so
// a message to addresses in two chunks gets one notification per rule, as in
// AWS. Matching follows SES recipient conditions: a domain matches only itself
// (case-insensitive; subdomains only when listed), and a domain the route's
// allow-list mentions accepts only the listed addresses.
// Internationalized domains compare in their ASCII (xn--) form: smtp-server hands
// us the Unicode form even when the client sent the ASCII one.
import { domainToASCII } from 'node:url';
import { receiptRuleChunks } from '../../lib/config/receipt-rule-chunks.js';

/** The part of a route the listener needs to accept or refuse a recipient. */
export interface RecipientRule {
  name: string;
  domains: string[];
  /** When present, only these addresses are accepted (unknown ones refused at RCPT). */
  recipients?: string[];
}

/** Which route and which of its receipt rules (0 = the first chunk) took a recipient. */
export interface MatchedRule {
  route: string;
  chunk: number;
}

export class RecipientRouter {
  /** Every route's rules in order: the addresses and the whole domains each matches. */
  private readonly rules: { route: string; chunk: number; addresses: Set<string>; domains: Set<string> }[];

  constructor(rules: RecipientRule[]) {
    this.rules = rules.flatMap((rule) =>
      // Normalized first, so "Boss@Example.com" narrows "example.com" as SES's case-insensitive match does.
      receiptRuleChunks({ domains: rule.domains.map(normalizeDomain), ...(rule.recipients ? { recipients: rule.recipients.map(normalizeAddress) } : {}) }).map((entries, chunk) => ({
        route: rule.name,
        chunk,
        addresses: new Set(entries.filter((e) => e.includes('@'))),
        domains: new Set(entries.filter((e) => !e.includes('@'))),
      })),
    );
  }

  /**
   * The name of the first route (in configuration order) that accepts the
   * address, or undefined when none does and the address must be refused.
   */
  routeFor(address: string): string | undefined {
    return this.ruleFor(address)?.route;
  }

  /** The first rule (routes in configuration order, then their chunks) that matches the address. */
  ruleFor(address: string): MatchedRule | undefined {
    const normalized = normalizeAddress(address);
    const at = normalized.lastIndexOf('@');
    if (at <= 0 || at === normalized.length - 1) return undefined;
    const domain = normalized.slice(at + 1);
    const rule = this.rules.find((r) => r.addresses.has(normalized) || r.domains.has(domain));
    return rule && { route: rule.route, chunk: rule.chunk };
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
