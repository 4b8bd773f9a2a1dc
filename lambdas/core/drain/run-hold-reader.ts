// What a running drain asks before each receive and each transaction: is the
// route held now (the operator's hold, a maintenance window), or has its
// redirect changed since the run began? One read of the route's controls
// (a single request for all three) at most every HOLD_CACHE_SECONDS;
// concurrent callers share one read. A read that fails counts as held ("maybe
// held") for the rest of the run, logged once: no worker starts another message
// and no transaction starts, what was received goes back, and the next run reads
// again. A redirect set or cleared since the run began stops it the same way
// (`redirected`): no transaction starts to the previous host once `redirect`
// has returned and the cache has run out; the next drain goes to the new destination.
import type { Route } from '../model.js';
import type { PrimaryRedirect } from '../probe/effective-primary.js';
import type { RouteState } from '../probe/ports.js';
import { heldBy, holdsOf, type HoldsRead } from '../probe/route-hold.js';
import type { Clock, DeliveryLog } from '../runtime/ports.js';

/** How old a hold read may be when a transaction is about to start (`hold` waits this long, so none starts after it returns). */
export const HOLD_CACHE_SECONDS = 5;

export interface RunHoldReader {
  isHeld: () => Promise<boolean>;
  readonly unreadable: boolean;
  readonly redirected: boolean;
}

export function runHoldReader(
  deps: { routeState: Pick<RouteState, 'controls'>; clock: Clock; log: DeliveryLog },
  route: Route,
  startedWith: PrimaryRedirect | undefined,
): RunHoldReader {
  let read: { at: number; found: Promise<{ holds: HoldsRead; redirect: PrimaryRedirect | undefined } | undefined> } | undefined;
  let unreadable = false;
  let redirected = false;
  const isHeld = async (): Promise<boolean> => {
    if (unreadable || redirected) return true;
    const now = deps.clock.now().getTime();
    if (!read || now - read.at > HOLD_CACHE_SECONDS * 1000) {
      const found = deps.routeState
        .controls(route.name)
        .then((controls) => ({ holds: holdsOf(controls), redirect: controls.redirect }))
        .catch((error: Error) => {
          if (!unreadable) deps.log.error('hold check failed: the route is treated as held for the rest of this run', { route: route.name, error: error.message });
          unreadable = true;
          return undefined;
        });
      read = { at: now, found };
    }
    const found = await read.found;
    if (found === undefined) return true;
    if (!sameRedirect(found.redirect, startedWith)) {
      if (!redirected) deps.log.info('redirect changed during the run: it stops here; the next drain delivers to the new destination', { route: route.name });
      redirected = true;
      return true;
    }
    // A window is judged against the clock at each call, not at the read: a cached read still starts it on time.
    return heldBy(found.holds, deps.clock.now()) !== undefined;
  };
  return {
    isHeld,
    get unreadable() {
      return unreadable;
    },
    get redirected() {
      return redirected;
    },
  };
}

/** The same stored redirect (or none both times): a set or a clear is what changes it. */
function sameRedirect(a: PrimaryRedirect | undefined, b: PrimaryRedirect | undefined): boolean {
  if (!a || !b) return a === b;
  return a.host === b.host && a.port === b.port && a.tls === b.tls && a.auth === b.auth && a.since.getTime() === b.since.getTime() && a.replaces === b.replaces;
}
