// Whether a route is held now: by the operator's hold, or because now is
// inside one of its maintenance windows. The drain and the probe both ask this
// one question, so a window holds exactly as the operator's hold does.
import { currentWindow, type MaintenanceWindow } from './maintenance-windows.js';
import type { RouteState } from './ports.js';

export type HeldBy = { kind: 'operator'; since: Date; reason?: string } | { kind: 'window'; window: MaintenanceWindow };

/** The hold and the windows as read: evaluated against the clock each time, so a cached read still starts a window on time. */
export interface HoldsRead {
  hold?: { since: Date; reason?: string };
  windows: MaintenanceWindow[];
}

/** Both reads; throws when either fails (the caller treats that as "maybe held"). */
export async function readHolds(routeState: Pick<RouteState, 'hold' | 'windows'>, route: string): Promise<HoldsRead> {
  const [hold, stored] = await Promise.all([routeState.hold(route), routeState.windows(route)]);
  return { ...(hold ? { hold } : {}), windows: stored.windows };
}

/** What holds the route at `now`, if anything (the operator's hold first). */
export function heldBy(read: HoldsRead, now: Date): HeldBy | undefined {
  if (read.hold) return { kind: 'operator', ...read.hold };
  const window = currentWindow(read.windows, now);
  return window ? { kind: 'window', window } : undefined;
}

/** The log line's words: "held: maintenance window until …" or "held by the operator". */
export function heldMessage(held: HeldBy): string {
  return held.kind === 'window' ? `held: maintenance window until ${held.window.until.toISOString()}` : 'held by the operator';
}
