// Hold / release: stop delivery to a primary even when it is up (maintenance,
// migration), and resume. Mail keeps being accepted and queued; the drain and
// the probe respect the hold. `hold` returns only once no transaction can start
// any more: a running drain reads the hold at most HOLD_CACHE_SECONDS old
// before each transaction, so when messages are in flight it waits that long.
import { HOLD_CACHE_SECONDS } from '../drain/drain-route.js';
import type { MailQueue } from '../drain/ports.js';
import type { Route } from '../model.js';
import type { RouteState } from '../probe/ports.js';
import type { Clock } from '../runtime/ports.js';

export interface HoldDeps {
  routeState: Pick<RouteState, 'hold' | 'setHold'>;
  queues: (route: Route) => MailQueue;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
}

export type Hold = { since: Date; reason?: string };

/** The wait that lets a running drain's cached hold expire. */
export const HOLD_WAIT_SECONDS = HOLD_CACHE_SECONDS + 1;

export type HoldResult =
  | { already: Hold }
  /** Held now; `inFlight` messages were in flight (a transaction already begun finishes). */
  | { held: Hold; inFlight: number };

export class HoldRoute {
  constructor(private readonly deps: HoldDeps) {}

  /** `waiting` hears of the wait before it starts (it lasts HOLD_WAIT_SECONDS). */
  async hold(route: Route, reason: string | undefined, waiting: (seconds: number) => void = () => {}): Promise<HoldResult> {
    const existing = await this.deps.routeState.hold(route.name);
    if (existing) return { already: existing };
    const held: Hold = { since: this.deps.clock.now(), ...(reason ? { reason } : {}) };
    await this.deps.routeState.setHold(route.name, held);
    // Messages in flight say a drain may be running (an unreadable depth says nothing).
    const inFlight = await this.deps.queues(route).depth().then((d) => d.inFlight, () => 0);
    if (inFlight > 0) {
      waiting(HOLD_WAIT_SECONDS);
      await this.deps.sleep(HOLD_WAIT_SECONDS * 1000);
    }
    return { held, inFlight };
  }

  /** Lifts the hold; returns the one lifted (undefined when the route was not held). */
  async release(route: Route): Promise<Hold | undefined> {
    const existing = await this.deps.routeState.hold(route.name);
    if (existing) await this.deps.routeState.setHold(route.name, undefined);
    return existing;
  }
}
