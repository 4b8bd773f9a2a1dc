// `routes[].recipientSync`: the route's recipient list is pushed by the primary
// (core/recipients) instead of fixed at synth. `recipients` / `recipientsFile`
// become the seed (what is accepted before the first push). The deploy
// reserves the receipt rules the budget needs, so a push can never need more
// rules than the set holds.
import { z } from 'zod';
import { DEFAULT_MAX_ADDRESSES, DEFAULT_MAX_SHRINK_PERCENT, type SyncedRoute } from '../../lambdas/core/recipients/synced-route.js';
import { intIn } from './field-schemas.js';
import { MAX_RULE_RECIPIENTS, MAX_RULES_PER_SET } from './receipt-rule-chunks.js';

/** 200 rules of 100 recipients: the most one set could ever match. */
export const MAX_SYNC_ADDRESSES = MAX_RULES_PER_SET * MAX_RULE_RECIPIENTS;

export const recipientSyncSchema = z.strictObject({
  /** A push removing more than this share of the stored list is refused unless forced. */
  maxShrinkPercent: intIn(0, 100).default(DEFAULT_MAX_SHRINK_PERCENT),
  /** The address budget; the deploy reserves ceil(budget / 100) receipt rules for it. */
  maxAddresses: intIn(1, MAX_SYNC_ADDRESSES).default(DEFAULT_MAX_ADDRESSES),
});

export type RecipientSyncConfig = z.output<typeof recipientSyncSchema>;

interface SyncShape {
  name: string;
  domains: string[];
  recipients?: string[];
  recipientSync?: RecipientSyncConfig;
}

/**
 * Rules a synced route takes in the set: its disabled template rule (the
 * actions the synced rules copy) and the rules its budget may fill. A list
 * narrows the domains it mentions and leaves the others whole, so the worst
 * case is every address plus every domain but one.
 */
export function syncedRouteRules(route: { domains: string[]; recipientSync: RecipientSyncConfig }): number {
  const entries = route.recipientSync.maxAddresses + route.domains.length - 1;
  return 1 + Math.ceil(entries / MAX_RULE_RECIPIENTS);
}

/** Problems only a synced route can have. */
export function recipientSyncProblems(routes: SyncShape[], activation: string): string[] {
  const problems: string[] = [];
  routes.forEach((route, i) => {
    const sync = route.recipientSync;
    if (!sync) return;
    const at = `backupMx.routes[${i}]`;
    const seed = route.recipients?.length ?? 0;
    if (seed > sync.maxAddresses) {
      problems.push(`${at}.recipientSync.maxAddresses: ${sync.maxAddresses} is fewer than the ${seed} addresses of the seed (recipients / recipientsFile); raise it or list fewer`);
    }
    if (activation === 'never') {
      problems.push(
        `${at}.recipientSync: pushed lists are written as rules of backup-mx's own rule set, which ruleSet.activation "never" leaves inactive; ` +
          'use "if-none-active" or "replace", or drop recipientSync and keep recipients in your own set',
      );
    }
  });
  return problems;
}

/** The synced routes as the use case and the deploy's custom resource see them. */
export function syncedRoutes(routes: SyncShape[]): SyncedRoute[] {
  return routes.flatMap((route) =>
    route.recipientSync
      ? [
          {
            name: route.name,
            domains: route.domains,
            maxShrinkPercent: route.recipientSync.maxShrinkPercent,
            maxAddresses: route.recipientSync.maxAddresses,
            ...(route.recipients ? { seed: route.recipients } : {}),
          },
        ]
      : [],
  );
}
