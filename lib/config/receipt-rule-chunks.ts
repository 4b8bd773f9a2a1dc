// SES matches at most 100 recipients (addresses or domains) per receipt rule and
// keeps at most 200 rules in a set, so a long allow-list becomes several rules.
/** SES accepts at most this many recipients (addresses or domains) in one receipt rule. */
export const MAX_RULE_RECIPIENTS = 100;

/**
 * What the route's SES rule matches: the allow-listed addresses, plus every
 * domain of the route that has none listed (the allow-list narrows only the
 * domains it mentions).
 */
export function ruleRecipients(route: { domains: string[]; recipients?: string[] }): string[] {
  const listed = route.recipients ?? [];
  const narrowed = new Set(listed.map((address) => address.slice(address.lastIndexOf('@') + 1)));
  return [...listed, ...route.domains.filter((domain) => !narrowed.has(domain))];
}

/** SES: receipt rules per rule set. */
export const MAX_RULES_PER_SET = 200;

const domainOf = (entry: string) => entry.slice(entry.lastIndexOf('@') + 1);

/**
 * The route's rule recipients in chunks of at most 100, one chunk per rule.
 * Entries are grouped by domain (then sorted), so one domain's addresses share
 * as few rules as possible and the split does not move when the input order does.
 */
export function receiptRuleChunks(route: { domains: string[]; recipients?: string[] }): string[][] {
  const entries = [...new Set(ruleRecipients(route))].sort((a, b) => {
    const byDomain = domainOf(a).localeCompare(domainOf(b));
    return byDomain !== 0 ? byDomain : a.localeCompare(b);
  });
  const chunks: string[][] = [];
  for (let i = 0; i < entries.length; i += MAX_RULE_RECIPIENTS) chunks.push(entries.slice(i, i + MAX_RULE_RECIPIENTS));
  return chunks;
}

/** The SES rule name of a route's n-th chunk: the first keeps the one-rule name. */
export function receiptRuleName(route: string, chunk: number): string {
  return chunk === 0 ? `route-${route}` : `route-${route}-${chunk + 1}`;
}

/**
 * The disabled template rule of a route with recipientSync (its actions, scan
 * and TLS policy; it matches nothing). Its own name and logical id, never the
 * route's `route-…`: switching a route to sync then CREATES the template while
 * the route's enabled rules stay until CloudFormation's cleanup pass, after the
 * synced rules were written (inbound-rules.ts).
 */
export function syncTemplateRuleName(route: string): string {
  return `tmpl-${route}`;
}
