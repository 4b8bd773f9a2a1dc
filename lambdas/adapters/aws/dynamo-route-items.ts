// How the route state's items are stored and read back (dynamo-route-state.ts
// writes them): a damaged item reads as "none" (a window, a redirect, a
// transition), never as something that holds or redirects mail by accident.
import type { PrimaryHealth, PrimaryStatus } from '../../core/model.js';
import type { PrimaryRedirect } from '../../core/probe/effective-primary.js';
import type { HealthTransition } from '../../core/probe/health-history.js';
import type { MaintenanceWindow, RouteWindows } from '../../core/probe/maintenance-windows.js';
import { PK, SK, SORT, TTL } from './dynamo-keys.js';
import { optionalNumber, optionalString, type Item } from './dynamo-query.js';

/** The attributes of a health transition item (data-ownership.test.ts lists them). */
export const HEALTH_TRANSITION_ATTRIBUTES = [PK, SK, 'route', 'at', 'up', 'error', TTL] as const;

export const transitionSort = (at: Date) => `${SORT.healthTransitionPrefix}${at.toISOString()}`;

export function parseHealth(route: string, item: Item): PrimaryHealth {
  const health: PrimaryHealth = {
    route,
    status: item.status as PrimaryStatus,
    since: new Date(String(item.since)),
    lastCheckAt: new Date(String(item.lastCheckAt)),
    consecutiveFailures: Number(item.consecutiveFailures ?? 0),
  };
  const latencyMs = optionalNumber(item.latencyMs);
  if (latencyMs !== undefined) health.latencyMs = latencyMs;
  const lastError = optionalString(item.lastError);
  if (lastError !== undefined) health.lastError = lastError;
  const authRefusals = optionalNumber(item.authRefusals);
  if (authRefusals !== undefined) health.authRefusals = authRefusals;
  const authRetryAt = optionalString(item.authRetryAt);
  if (authRetryAt !== undefined) health.authRetryAt = new Date(authRetryAt);
  const refusedCredentials = optionalString(item.refusedCredentials);
  if (refusedCredentials !== undefined) health.refusedCredentials = refusedCredentials;
  return health;
}

export function parseHold(item: Item): { since: Date; reason?: string } {
  const reason = optionalString(item.reason);
  return reason === undefined ? { since: new Date(String(item.since)) } : { since: new Date(String(item.since)), reason };
}

export function parseWindows(item: Item): RouteWindows & { version: number } {
  const windows = Array.isArray(item.windows) ? item.windows.flatMap((w) => parseWindow(w as Record<string, unknown>)) : [];
  const lastEnded = optionalString(item.lastEnded);
  return { windows, ...(lastEnded !== undefined ? { lastEnded: new Date(lastEnded) } : {}), version: Number(item.version ?? 0) };
}

/** A stored transition, or nothing when damaged (a timeline shows a gap rather than a wrong state). */
export function parseTransition(item: Item): HealthTransition[] {
  const at = new Date(String(item.at));
  if (Number.isNaN(at.getTime()) || typeof item.up !== 'boolean') return [];
  const error = optionalString(item.error);
  return [{ at, up: item.up, ...(error !== undefined ? { error } : {}) }];
}

/** A stored window, or nothing when its dates are damaged (a window that cannot be read holds nothing). */
function parseWindow(item: Record<string, unknown>): MaintenanceWindow[] {
  const from = new Date(String(item.from));
  const until = new Date(String(item.until));
  if (typeof item.id !== 'string' || Number.isNaN(from.getTime()) || Number.isNaN(until.getTime())) return [];
  const reason = optionalString(item.reason);
  return [{ id: item.id, from, until, ...(reason !== undefined ? { reason } : {}) }];
}

/** The attributes of a redirect item beside pk, sk and route (data-ownership.test.ts lists them). */
export const REDIRECT_ATTRIBUTES = ['host', 'port', 'tls', 'tlsFingerprints', 'auth', 'since', 'replaces', 'reason'] as const;

export const REDIRECT_FIELDS = (r: PrimaryRedirect) => ({
  host: r.host,
  port: r.port,
  tls: r.tls,
  ...(r.tlsFingerprints !== undefined ? { tlsFingerprints: r.tlsFingerprints } : {}),
  auth: r.auth,
  since: r.since.toISOString(),
  replaces: r.replaces,
  ...(r.reason !== undefined ? { reason: r.reason } : {}),
});

/** A stored redirect; a damaged one reads as none: mail then goes to the configured primary, which status shows. */
export function parseRedirect(item: Record<string, unknown>): PrimaryRedirect | undefined {
  const since = new Date(String(item.since));
  if (typeof item.host !== 'string' || typeof item.port !== 'number' || typeof item.tls !== 'string' || typeof item.replaces !== 'string' || Number.isNaN(since.getTime())) return undefined;
  const reason = optionalString(item.reason);
  return {
    host: item.host,
    port: item.port,
    tls: item.tls as PrimaryRedirect['tls'],
    ...(Array.isArray(item.tlsFingerprints) ? { tlsFingerprints: item.tlsFingerprints.map(String) } : {}),
    auth: item.auth === true,
    since,
    replaces: item.replaces,
    ...(reason !== undefined ? { reason } : {}),
  };
}
