// The synced routes as the push function and the rule writer read them: the
// routes of the (digest-checked) route table that carry recipientSync.
import type { SyncedRoute } from '../core/recipients/synced-route.js';

export function syncedRoutesOfTable(text: string): SyncedRoute[] {
  const routes = JSON.parse(text) as { name: string; domains: string[]; recipientSync?: { maxShrinkPercent: number; maxAddresses: number } }[];
  return routes.flatMap((r) => (r.recipientSync ? [{ name: r.name, domains: r.domains, maxShrinkPercent: r.recipientSync.maxShrinkPercent, maxAddresses: r.recipientSync.maxAddresses }] : []));
}
