// Checks that need more than one field at a time: names and domains unique
// across routes, recipients inside their route's domains, no relaying back to
// SES (a mail loop), a region where SES receives mail, sane retry bounds.
import { MAX_RULE_RECIPIENTS, MAX_RULES_PER_SET, receiptRuleChunks } from './receipt-rule-chunks.js';
import { syncedRouteRules, type RecipientSyncConfig } from './recipient-sync.js';
import { isSesInboundHost, sesReceivesMailIn, SES_RECEIVING_REGIONS } from './ses-receiving-regions.js';

export { MAX_RULE_RECIPIENTS, ruleRecipients } from './receipt-rule-chunks.js';

interface CheckedShape {
  region?: string;
  egress?: string;
  elasticIpAllocationId?: string;
  routes: { name: string; domains: string[]; recipients?: string[]; recipientSync?: RecipientSyncConfig; primary: { host: string } }[];
  retry: { minBackoffSeconds: number; maxBackoffSeconds: number };
  /** The canary takes a receipt rule of its own. */
  canary?: boolean;
}

export function crossCheck(config: CheckedShape, region: string | undefined): string[] {
  const problems: string[] = [];
  const routeByName = new Map<string, number>();
  const routeByDomain = new Map<string, number>();
  let ruleCount = config.canary ? 1 : 0;
  /** Rules the synced routes reserve (their budgets), named in the over-limit message. */
  const reserved: string[] = [];

  config.routes.forEach((route, i) => {
    const at = `backupMx.routes[${i}]`;
    const sameName = routeByName.get(route.name);
    if (sameName !== undefined) {
      problems.push(`${at}.name: "${route.name}" is already used by routes[${sameName}]`);
    } else {
      routeByName.set(route.name, i);
    }

    route.domains.forEach((domain, j) => {
      const owner = routeByDomain.get(domain);
      if (owner !== undefined) {
        const where = owner === i ? 'this route' : `routes[${owner}] ("${config.routes[owner]!.name}")`;
        problems.push(`${at}.domains[${j}]: "${domain}" is already listed in ${where}; each domain belongs to one route`);
      } else {
        routeByDomain.set(domain, i);
      }
    });

    route.recipients?.forEach((address, j) => {
      const domain = address.slice(address.lastIndexOf('@') + 1);
      if (!route.domains.includes(domain)) {
        problems.push(
          `${at}.recipients[${j}]: "${address}" is not in this route's domains (${route.domains.join(', ')})`,
        );
      }
    });

    if (route.recipientSync) {
      const rules = syncedRouteRules({ domains: route.domains, recipientSync: route.recipientSync });
      ruleCount += rules;
      reserved.push(`${at}.recipientSync.maxAddresses = ${route.recipientSync.maxAddresses} reserves ${rules} (its disabled template rule included)`);
    } else {
      ruleCount += receiptRuleChunks(route).length;
    }

    if (isSesInboundHost(route.primary.host)) {
      problems.push(
        `${at}.primary.host: "${route.primary.host}" is an SES inbound endpoint; relaying there would loop mail back to SES. Use your own mail server's host`,
      );
    }
  });

  if (ruleCount > MAX_RULES_PER_SET) {
    problems.push(
      `backupMx.routes: the recipients need ${ruleCount} SES receipt rules (${MAX_RULE_RECIPIENTS} addresses or domains each), ` +
        `but a rule set takes at most ${MAX_RULES_PER_SET}; list fewer addresses (a domain with none listed takes one entry)` +
        (reserved.length > 0 ? `, or lower a synced route's budget (${reserved.join('; ')})` : '') +
        (config.canary ? ', or set "canary": false (it takes one rule)' : ''),
    );
  }
  if (config.elasticIpAllocationId !== undefined && (config.egress ?? 'none') === 'none') {
    problems.push('backupMx.egress.elasticIpAllocationId: only used with mode "vpc-nat" or "vpc-nat-instance"; set the mode too');
  }

  if (region === undefined) {
    problems.push(
      'backupMx.region: not set; set backupMx.region (e.g. "us-east-1") or the CDK_DEFAULT_REGION / AWS_REGION environment variable',
    );
  } else if (!sesReceivesMailIn(region)) {
    const source = config.region === undefined ? ' (from the environment)' : '';
    problems.push(
      `backupMx.region: SES does not receive mail in "${region}"${source}; use one of ${SES_RECEIVING_REGIONS.join(', ')}`,
    );
  }

  if (config.retry.minBackoffSeconds > config.retry.maxBackoffSeconds) {
    problems.push(
      `backupMx.retry.minBackoffSeconds: ${config.retry.minBackoffSeconds} is more than maxBackoffSeconds (${config.retry.maxBackoffSeconds})`,
    );
  }
  return problems;
}
