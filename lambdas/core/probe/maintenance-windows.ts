// Planned maintenance windows: a hold the operator schedules ahead (`hold
// <route> --from … --until …`). Inside one, the drain delivers nothing and the
// probe starts no drain, exactly as under the operator's hold; the "primary
// down" condition is not raised, and when the window ends the down time counts
// from its end. Pure rules here; the route state stores the list (ports.ts).

/** One scheduled window: no delivery from `from` (inclusive) to `until` (exclusive). */
export interface MaintenanceWindow {
  /** Short, unique within the route: what `release --window` names. */
  id: string;
  from: Date;
  until: Date;
  reason?: string;
}

/** A route's windows as stored: ended ones stay until the next write drops them. */
export interface RouteWindows {
  windows: MaintenanceWindow[];
  /** The end of the latest window that ended (or was cancelled while on): the primary's down time counts from here. */
  lastEnded?: Date;
}

/** At most this many windows per route (ended ones not counted): the list is one item, read every few seconds. */
export const MAX_WINDOWS_PER_ROUTE = 20;
/** A window's reason is shown by status; bounded so 20 windows stay far inside DynamoDB's 400 KB item. */
export const MAX_REASON_CHARS = 200;

/** Why a window was refused, naming the flag to change. */
export class WindowRefusedError extends Error {
  constructor(
    readonly flag: '--from' | '--until' | '--reason' | '--window' | 'route',
    message: string,
  ) {
    super(`${flag}: ${message}`);
    this.name = 'WindowRefusedError';
  }
}

/** The window `now` is in, if any (the one ending last when several overlap). */
export function currentWindow(windows: readonly MaintenanceWindow[], now: Date): MaintenanceWindow | undefined {
  const t = now.getTime();
  let found: MaintenanceWindow | undefined;
  for (const w of windows) {
    if (w.from.getTime() <= t && t < w.until.getTime() && (!found || w.until > found.until)) found = w;
  }
  return found;
}

/** Windows not yet ended, by start. */
export function liveWindows(windows: readonly MaintenanceWindow[], now: Date): MaintenanceWindow[] {
  return windows.filter((w) => w.until.getTime() > now.getTime()).sort((a, b) => a.from.getTime() - b.from.getTime());
}

/** The end of the latest window that has ended by `now` (stored or still listed). */
export function lastWindowEnd(stored: RouteWindows, now: Date): Date | undefined {
  let last = stored.lastEnded;
  for (const w of stored.windows) {
    if (w.until.getTime() <= now.getTime() && (!last || w.until > last)) last = w.until;
  }
  return last;
}

/** What the next write stores: ended windows dropped, their latest end kept. */
export function pruned(stored: RouteWindows, now: Date): RouteWindows {
  const lastEnded = lastWindowEnd(stored, now);
  return { windows: liveWindows(stored.windows, now), ...(lastEnded ? { lastEnded } : {}) };
}

/**
 * Checks a new window against the route's live ones: a short reason, `until` after `from` and
 * in the future, no longer than the queue lifetime (mail waiting longer would
 * expire inside it), and at most MAX_WINDOWS_PER_ROUTE live windows.
 */
export function checkNewWindow(window: Omit<MaintenanceWindow, 'id'>, live: readonly MaintenanceWindow[], now: Date, queueLifetimeSeconds: number): void {
  const { from, until } = window;
  if (window.reason !== undefined && window.reason.length > MAX_REASON_CHARS) throw new WindowRefusedError('--reason', `at most ${MAX_REASON_CHARS} characters (got ${window.reason.length})`);
  if (Number.isNaN(from.getTime())) throw new WindowRefusedError('--from', 'not a time');
  if (Number.isNaN(until.getTime())) throw new WindowRefusedError('--until', 'not a time');
  if (until.getTime() <= now.getTime()) throw new WindowRefusedError('--until', `${until.toISOString()} is in the past: a window must end in the future`);
  if (until.getTime() <= from.getTime()) throw new WindowRefusedError('--until', `must be after --from (${from.toISOString()}); got ${until.toISOString()}`);
  const seconds = (until.getTime() - Math.max(from.getTime(), now.getTime())) / 1000;
  if (seconds > queueLifetimeSeconds) {
    throw new WindowRefusedError(
      '--until',
      `the window lasts ${formatHours(seconds)}, longer than the queue lifetime (${formatHours(queueLifetimeSeconds)}): mail would expire inside it; end it sooner or schedule two`,
    );
  }
  if (live.length >= MAX_WINDOWS_PER_ROUTE) {
    throw new WindowRefusedError('route', `already has ${live.length} windows planned (at most ${MAX_WINDOWS_PER_ROUTE}); cancel one with \`release <route> --window <id>\``);
  }
}

/** A short id not used by the route's windows ("w" and 6 base-36 characters of `random`). */
export function newWindowId(taken: readonly MaintenanceWindow[], random: () => number = Math.random): string {
  for (;;) {
    const id = `w${Math.floor(random() * 36 ** 6).toString(36).padStart(6, '0')}`;
    if (!taken.some((w) => w.id === id)) return id;
  }
}

const formatHours = (seconds: number) => (seconds >= 86_400 ? `${+(seconds / 86_400).toFixed(1)} d` : `${+(seconds / 3_600).toFixed(1)} h`);
