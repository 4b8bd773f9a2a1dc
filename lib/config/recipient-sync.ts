// `routes[].recipientSync`: the route's recipient list is pushed by the primary
// (core/recipients) instead of fixed at synth. `recipients` / `recipientsFile`
// become the seed (what is accepted before the first push). The deploy
// reserves the receipt rules the budget needs, so a push can never need more
// rules than the set holds.
import { z } from 'zod';
import { DEFAULT_MAX_ADDRESSES, DEFAULT_MAX_SHRINK_PERCENT, type SyncedRoute } from '../../lambdas/core/recipients/synced-route.js';
import { intIn } from './field-schemas.js';
import type { SyncedRouteProperty } from '../../lambdas/handlers/recipient-sync-deploy.js';
import { MAX_RULE_RECIPIENTS, MAX_RULES_PER_SET, receiptRuleChunks } from './receipt-rule-chunks.js';

/**
 * What one event of the deploy's custom resource may carry of its properties,
 * twice (an Update holds the new and the old, seeds included): CloudFormation
 * invokes the provider asynchronously, and Lambda's asynchronous payload was
 * 256 KB for years (lib/constructs/route-table.ts assumes it too); kept well under.
 */
export const RECIPIENT_SYNC_EVENT_MAX_BYTES = 200 * 1024;
/** Per synced route and once more: the template's names and ARNs, resolved at deploy, and the set, table and bucket names. */
const EVENT_NAMES_ALLOWANCE_BYTES = 1024;

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

/**
 * The seeds travel in the custom resource's event (twice in an Update): past
 * the budget the deploy would fail inside CloudFormation, so synth refuses it,
 * naming the routes whose seeds weigh most.
 */
export function recipientSyncEventProblems(routes: SyncShape[]): string[] {
  const synced = syncedRoutes(routes).map(syncedRouteProperty);
  if (synced.length === 0) return [];
  const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
  const once = bytes(synced) + EVENT_NAMES_ALLOWANCE_BYTES * (synced.length + 1);
  if (once * 2 <= RECIPIENT_SYNC_EVENT_MAX_BYTES) return [];
  const seeds = synced
    .filter((r) => (r.Seed?.length ?? 0) > 0)
    .map((r) => ({ at: routes.findIndex((route) => route.name === r.Name), name: r.Name, addresses: r.Seed!.length, bytes: bytes(r.Seed) }))
    .sort((a, b) => b.bytes - a.bytes);
  const named = seeds.map((s) => `backupMx.routes[${s.at}] ("${s.name}"): ${s.addresses} addresses, ${s.bytes} bytes`).join('; ');
  return [
    `recipientSync: the synced routes' seeds (recipients / recipientsFile) travel in the deploy's custom resource event: about ${once} bytes, ${once * 2} in an update ` +
      `(it carries the old properties too), over the ${RECIPIENT_SYNC_EVENT_MAX_BYTES} bytes backup-mx allows (CloudFormation invokes it asynchronously; Lambda's asynchronous payload was 256 KB). ` +
      `${named || 'No route has a seed: fewer domains per stack'}. Keep a smaller seed (or none) and push the full list instead (README: "Pushing the list")`,
  ];
}

/** A synced route as the deploy's custom resource carries it (recipient-sync-deploy.ts). */
export function syncedRouteProperty(route: SyncedRoute): SyncedRouteProperty {
  return {
    Name: route.name,
    Domains: route.domains,
    MaxShrinkPercent: route.maxShrinkPercent,
    MaxAddresses: route.maxAddresses,
    ...(route.seed ? { Seed: route.seed } : {}),
  };
}

/**
 * The 200-rule check (cross-check.ts) counts each route as it is after the
 * deploy. While a route switches between static and synced, both its rule kinds
 * exist at once: static → synced keeps `route-<route>[-n]` until CloudFormation's
 * cleanup pass, after the synced rules were written; synced → static creates
 * them before the synced rules go. A set that fits before and after may then
 * pass 200 mid-deploy (SES: LimitExceeded, the deploy rolls back). Config
 * alone cannot tell whether this deploy switches, so synth warns for every
 * synced route whose switch would pass the limit, with the numbers and the
 * two-deploy way around.
 */
export function recipientSyncSwitchWarnings(config: { routes: SyncShape[]; canary?: unknown }): { route: string; message: string }[] {
  const ruleCount = (route: SyncShape) => (route.recipientSync ? syncedRouteRules({ domains: route.domains, recipientSync: route.recipientSync }) : receiptRuleChunks(route).length);
  const total = config.routes.reduce((sum, route) => sum + ruleCount(route), config.canary ? 1 : 0);
  return config.routes.flatMap((route, i) => {
    if (!route.recipientSync) return [];
    const synced = ruleCount(route);
    const asStatic = receiptRuleChunks(route).length;
    const others = total - synced;
    const peak = others + asStatic + synced;
    if (peak <= MAX_RULES_PER_SET) return [];
    // The largest budget whose switch fits: others + static + 1 template + ceil((max + domains - 1) / 100) ≤ 200.
    const room = MAX_RULES_PER_SET - others - asStatic - 1;
    const firstBudget = room * MAX_RULE_RECIPIENTS - route.domains.length + 1;
    const seed = route.recipients?.length ?? 0;
    const first =
      firstBudget >= Math.max(1, seed)
        ? `static → synced: first deploy with recipientSync.maxAddresses = ${firstBudget}, then raise it to ${route.recipientSync.maxAddresses} in a second deploy`
        : `static → synced: first deploy the route static with fewer recipients (a shorter list, or none: its domains whole), then add recipientSync in a second deploy`;
    return [
      {
        route: route.name,
        message:
          `backupMx.routes[${i}] ("${route.name}") syncs its recipients; while it switches between static and synced in one deploy, its static rules (${asStatic}, ` +
          `from recipients / recipientsFile), its template and budget (${synced}) and every other rule (${others}) exist together: ${peak} SES receipt rules, ` +
          `over the ${MAX_RULES_PER_SET} a set holds, so that deploy would fail (LimitExceeded) and roll back. The steady state fits; a deploy that does not switch it is unaffected. ` +
          `To switch, use two deploys: ${first}; synced → static: first push (or seed) a list short enough that its rules and the static ones fit, or make the route static without recipients first`,
      },
    ];
  });
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
