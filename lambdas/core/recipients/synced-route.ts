// A route whose recipient list the primary pushes, and the limits it was
// deployed with (lib/config: `routes[].recipientSync`).

/** A push removing more than this share of the list is refused unless forced. */
export const DEFAULT_MAX_SHRINK_PERCENT = 10;
/** Addresses a route accepts by default: ten receipt rules. */
export const DEFAULT_MAX_ADDRESSES = 1_000;

export interface SyncedRoute {
  name: string;
  domains: string[];
  maxShrinkPercent: number;
  /** The address budget: the receipt rules the deploy reserved for the route hold this many. */
  maxAddresses: number;
  /** Accepted before the first push (the route's `recipients` / `recipientsFile`); absent: every address of the domains. */
  seed?: string[];
}
