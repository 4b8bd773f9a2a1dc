// Watches the engine's SMTP probe (the one the probe Lambda uses, AUTH
// included: EngineObservers.probe wraps it) to tell the person watching when a
// route's primary goes down or comes back. The engine logs only changes
// against the health stored in DynamoDB, which may predate this run
// (BACKUPMX_DATA_DIR); the runner also wants the first result of each run said
// out loud, and with BACKUPMX_VERBOSE=1 every check.
import { AUTH_REFUSED_PREFIX } from '../../lambdas/core/policy/auth-backoff.js';
import type { PrimaryServer, Route } from '../../lambdas/core/model.js';
import type { PrimaryProbe, ProbeCheckOptions, ProbeResult } from '../../lambdas/core/probe/ports.js';

export interface PrimaryChange {
  route: string;
  status: 'up' | 'down';
  primary: PrimaryServer;
  error?: string;
  /** The primary answered but refused our AUTH credentials (the error says how). */
  authRefused?: boolean;
  latencyMs: number;
}

/** One check of one route's primary, as the probe made it. */
export interface ProbeCheck {
  route: string;
  result: ProbeResult;
  /** Checked without AUTH: the route waits out an AUTH refusal, so a success is no "up". */
  skippedAuth: boolean;
}

/**
 * Routes are known by their whole primary setting, not host:port: two routes
 * may share a server under different TLS pins or secrets, and one's check
 * says nothing about the other's.
 */
const keyOf = (primary: PrimaryServer) => JSON.stringify(primary);

/** What one check found, in words: "up, 12 ms", "refuses our credentials (AUTH: 535 …), 14 ms". */
export function describeCheck(check: ProbeCheck): string {
  const { result, skippedAuth } = check;
  const found = result.ok
    ? skippedAuth
      ? 'reachable (checked without AUTH while an AUTH refusal is waited out)'
      : 'up'
    : result.authRefused
      ? `${AUTH_REFUSED_PREFIX} (${result.error ?? 'AUTH refused'})`
      : `down (${result.error ?? 'no answer'})`;
  return `${found}, ${result.latencyMs} ms`;
}

export class ObservedProbe {
  private readonly routesByPrimary = new Map<string, string[]>();
  private readonly last = new Map<string, 'up' | 'down'>();

  constructor(
    routes: Route[],
    private readonly onChange: (change: PrimaryChange) => void,
    /** Every check (verbose mode), before onChange. */
    private readonly onCheck: (check: ProbeCheck) => void = () => {},
  ) {
    this.useRoutes(routes);
  }

  /** After a reload: a route whose primary setting changed is said out loud again at its first check. */
  useRoutes(routes: Route[]): void {
    const before = new Map([...this.routesByPrimary].flatMap(([key, names]) => names.map((name) => [name, key] as const)));
    this.routesByPrimary.clear();
    for (const route of routes) {
      const key = keyOf(route.primary);
      this.routesByPrimary.set(key, [...(this.routesByPrimary.get(key) ?? []), route.name]);
      if (before.get(route.name) !== key) this.last.delete(route.name);
    }
  }

  /** The last status seen for a route in this run, if any. */
  status(route: string): 'up' | 'down' | undefined {
    return this.last.get(route);
  }

  /** `inner` with its checks observed (EngineObservers.probe). */
  around(inner: PrimaryProbe): PrimaryProbe {
    return { check: (primary, options) => this.check(inner, primary, options) };
  }

  private async check(inner: PrimaryProbe, primary: PrimaryServer, options?: ProbeCheckOptions): Promise<ProbeResult> {
    const result = await inner.check(primary, options);
    const skippedAuth = options?.skipAuth === true;
    for (const route of this.routesByPrimary.get(keyOf(primary)) ?? []) {
      this.onCheck({ route, result, skippedAuth });
      // Reachable without AUTH proves nothing about the credentials: the engine keeps the route down.
      if (result.ok && skippedAuth) continue;
      const status = result.ok ? 'up' : 'down';
      if (this.last.get(route) === status) continue;
      this.last.set(route, status);
      this.onChange({
        route,
        status,
        primary,
        latencyMs: result.latencyMs,
        ...(result.error ? { error: result.error } : {}),
        ...(result.authRefused ? { authRefused: true } : {}),
      });
    }
    return result;
  }
}
