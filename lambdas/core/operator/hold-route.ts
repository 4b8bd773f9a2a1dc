// Hold / release: stop delivery to a primary even when it is up (maintenance,
// migration), and resume. Mail keeps being accepted and queued; the drain and
// the probe respect the hold. `hold` returns only once no transaction can start
// any more: a running drain reads the hold at most HOLD_CACHE_SECONDS old
// before each transaction, so when messages are in flight it waits that long.
// Maintenance windows are holds scheduled ahead (`hold --from --until`): several
// per route, each ending by itself; the probe starts a drain at the next round.
import { HOLD_CACHE_SECONDS } from '../drain/drain-route.js';
import type { MailQueue } from '../drain/ports.js';
import type { Route } from '../model.js';
import { checkNewWindow, currentWindow, liveWindows, newWindowId, pruned, WindowRefusedError, type MaintenanceWindow } from '../probe/maintenance-windows.js';
import type { RouteState } from '../probe/ports.js';
import type { Clock } from '../runtime/ports.js';

export interface HoldDeps {
  routeState: Pick<RouteState, 'hold' | 'setHold' | 'windows' | 'saveWindows'>;
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

/** How often a window write is tried again when another write came first. */
const WINDOW_WRITE_TRIES = 5;
/** A --from this far in the past is taken as "now" (clock skew, a typed "now"); earlier is refused. */
const FROM_SLACK_SECONDS = 60;

export interface WindowRequest {
  /** Absent: from now. */
  from?: Date;
  until: Date;
  reason?: string;
}

export class HoldRoute {
  constructor(
    private readonly deps: HoldDeps,
    private readonly random: () => number = Math.random,
  ) {}

  /** The route's windows not yet ended, by start (status, the console). */
  async windows(route: string): Promise<MaintenanceWindow[]> {
    return liveWindows((await this.deps.routeState.windows(route)).windows, this.deps.clock.now());
  }

  /**
   * Schedules a maintenance window (WindowRefusedError names the flag when it
   * is refused). Ended windows are dropped by the same write. A window that
   * starts within a drain's hold cache waits like `hold` does when mail is in flight.
   */
  async schedule(route: Route, request: WindowRequest, queueLifetimeSeconds: number, waiting: (seconds: number) => void = () => {}): Promise<{ window: MaintenanceWindow; inFlight: number }> {
    for (let attempt = 0; attempt < WINDOW_WRITE_TRIES; attempt++) {
      const now = this.deps.clock.now();
      if (request.from && request.from.getTime() < now.getTime() - FROM_SLACK_SECONDS * 1000) {
        throw new WindowRefusedError('--from', `${request.from.toISOString()} is in the past; leave --from out to start now`);
      }
      const from = request.from && request.from > now ? request.from : now;
      const stored = await this.deps.routeState.windows(route.name);
      const kept = pruned(stored, now);
      checkNewWindow({ from, until: request.until, ...(request.reason ? { reason: request.reason } : {}) }, kept.windows, now, queueLifetimeSeconds);
      const window: MaintenanceWindow = { id: newWindowId(kept.windows, this.random), from, until: request.until, ...(request.reason ? { reason: request.reason } : {}) };
      const windows = [...kept.windows, window].sort((a, b) => a.from.getTime() - b.from.getTime());
      if (!(await this.deps.routeState.saveWindows(route.name, { ...kept, windows }, stored.version))) continue;
      const inFlight = from.getTime() - now.getTime() <= HOLD_CACHE_SECONDS * 1000 ? await this.waitForDrain(route, waiting) : 0;
      return { window, inFlight };
    }
    throw new Error(`the maintenance windows of route ${route.name} kept changing while this one was written: try again`);
  }

  /**
   * Cancels a window by id (one that is on ends now: the primary's down time
   * counts from here). Returns the window, or undefined when the route has no
   * such window (ended ones included: they are gone).
   */
  async cancelWindow(route: Route, id: string): Promise<MaintenanceWindow | undefined> {
    for (let attempt = 0; attempt < WINDOW_WRITE_TRIES; attempt++) {
      const now = this.deps.clock.now();
      const stored = await this.deps.routeState.windows(route.name);
      const kept = pruned(stored, now);
      const found = kept.windows.find((w) => w.id === id);
      if (!found) return undefined;
      const wasOn = currentWindow([found], now) !== undefined;
      const next = { windows: kept.windows.filter((w) => w !== found), ...(wasOn ? { lastEnded: now } : kept.lastEnded ? { lastEnded: kept.lastEnded } : {}) };
      if (await this.deps.routeState.saveWindows(route.name, next, stored.version)) return found;
    }
    throw new Error(`the maintenance windows of route ${route.name} kept changing while one was cancelled: try again`);
  }

  /** `waiting` hears of the wait before it starts (it lasts HOLD_WAIT_SECONDS). */
  async hold(route: Route, reason: string | undefined, waiting: (seconds: number) => void = () => {}): Promise<HoldResult> {
    const existing = await this.deps.routeState.hold(route.name);
    if (existing) return { already: existing };
    const held: Hold = { since: this.deps.clock.now(), ...(reason ? { reason } : {}) };
    await this.deps.routeState.setHold(route.name, held);
    return { held, inFlight: await this.waitForDrain(route, waiting) };
  }

  /** Messages in flight say a drain may be running (an unreadable depth says nothing): wait out its cached hold. */
  private async waitForDrain(route: Route, waiting: (seconds: number) => void): Promise<number> {
    const inFlight = await this.deps.queues(route).depth().then((d) => d.inFlight, () => 0);
    if (inFlight > 0) {
      waiting(HOLD_WAIT_SECONDS);
      await this.deps.sleep(HOLD_WAIT_SECONDS * 1000);
    }
    return inFlight;
  }

  /** Lifts the hold; returns the one lifted (undefined when the route was not held). */
  async release(route: Route): Promise<Hold | undefined> {
    const existing = await this.deps.routeState.hold(route.name);
    if (existing) await this.deps.routeState.setHold(route.name, undefined);
    return existing;
  }
}
