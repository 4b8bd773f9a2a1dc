// The synced routes as the push function, the rule writer and the operator's
// push read them: the routes (of the digest-checked route table, or of the
// settings read from it) that carry recipientSync.
import type { SyncedRoute } from '../core/recipients/synced-route.js';

interface RouteShape {
  name: string;
  domains: string[];
  recipientSync?: { maxShrinkPercent: number; maxAddresses: number };
}

export function syncedRoutesOf(routes: readonly RouteShape[]): SyncedRoute[] {
  return routes.flatMap((r) => (r.recipientSync ? [{ name: r.name, domains: r.domains, maxShrinkPercent: r.recipientSync.maxShrinkPercent, maxAddresses: r.recipientSync.maxAddresses }] : []));
}

export function syncedRoutesOfTable(text: string): SyncedRoute[] {
  return syncedRoutesOf(JSON.parse(text) as RouteShape[]);
}
