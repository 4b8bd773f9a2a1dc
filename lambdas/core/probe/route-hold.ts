// Whether a route is held now: by the operator's hold, or because now is
// inside one of its maintenance windows. The drain and the probe both ask this
// one question, so a window holds exactly as the operator's hold does.
import { currentWindow, type MaintenanceWindow } from './maintenance-windows.js';
import type { RouteControls, RouteState } from './ports.js';

export type HeldBy = { kind: 'operator'; since: Date; reason?: string } | { kind: 'window'; window: MaintenanceWindow };

/** The hold and the windows as read: evaluated against the clock each time, so a cached read still starts a window on time. */
export interface HoldsRead {
  hold?: { since: Date; reason?: string };
  windows: MaintenanceWindow[];
}

/** The hold and the windows of one controls read. */
export function holdsOf(controls: Pick<RouteControls, 'hold' | 'windows'>): HoldsRead {
  return { ...(controls.hold ? { hold: controls.hold } : {}), windows: controls.windows.windows };
}

/** One read of the route's controls; throws when it fails (the caller treats that as "maybe held"). */
export async function readHolds(routeState: Pick<RouteState, 'controls'>, route: string): Promise<HoldsRead> {
  return holdsOf(await routeState.controls(route));
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
