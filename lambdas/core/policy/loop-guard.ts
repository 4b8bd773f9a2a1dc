// The loop guard on the primary's address (invariant 4): a primary whose name
// leads (directly or through CNAMEs) to an SES inbound endpoint, or whose
// addresses are SES's inbound addresses or our own hop's, would send the mail
// straight back to us: each round trip adds a Received header until the limit
// dead-letters it, ~25 loops later. Matching the configured name alone misses
// a CNAME or an IP literal. Pure: the DNS work is the adapter's.

/** A host as DNS resolved it: its name and the CNAME chain, and its addresses. */
export interface ResolvedHost {
  /** The configured name first, then each CNAME target (lower case, no trailing dot). */
  names: string[];
  addresses: string[];
}

export interface LoopForbidden {
  /** Addresses of the SES inbound endpoints (inbound-smtp.<region>.amazonaws.com). */
  sesAddresses: string[];
  /** Our own host name(s): the Received / EHLO name. */
  ownNames: string[];
  /** Addresses our own names resolve to (non-loopback only). */
  ownAddresses: string[];
}

/** SES receiving endpoints: inbound-smtp.<region>.amazonaws.com (and its .amazonaws.com.cn / FIPS variants). */
const SES_INBOUND_NAME = /(^|\.)inbound-smtp(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/i;

const norm = (name: string) => name.trim().toLowerCase().replace(/\.$/, '');

/** Why delivering to this primary would loop, or undefined when it would not. */
export function loopRefusal(primary: ResolvedHost, forbidden: LoopForbidden): string | undefined {
  const names = primary.names.map(norm);
  const ses = names.find((n) => SES_INBOUND_NAME.test(n));
  if (ses) return `${names[0]} leads to the SES inbound endpoint ${ses}: mail would come straight back`;
  const own = new Set(forbidden.ownNames.map(norm));
  const self = names.find((n) => own.has(n));
  if (self) return `${names[0]} is our own host name (${self})`;
  const sesAddresses = new Set(forbidden.sesAddresses);
  const sesHit = primary.addresses.find((a) => sesAddresses.has(a));
  if (sesHit) return `${names[0]} resolves to ${sesHit}, an SES inbound address: mail would come straight back`;
  const ownAddresses = new Set(forbidden.ownAddresses);
  const selfHit = primary.addresses.find((a) => ownAddresses.has(a));
  if (selfHit) return `${names[0]} resolves to ${selfHit}, our own address`;
  return undefined;
}

/** Loopback, private and link-local addresses: never an SES endpoint, so no need to look SES up. */
export function isLocalAddress(address: string): boolean {
  return /^(127\.|10\.|192\.168\.|169\.254\.|172\.(1[6-9]|2\d|3[01])\.)/.test(address) || address === '::1' || /^f[cd]/i.test(address) || /^fe80:/i.test(address);
}
