// Wraps the engine's SMTP probe to tell the person watching when a route's
// primary goes down or comes back. The engine logs only changes against the
// health stored in DynamoDB, which may predate this run (BACKUPMX_DATA_DIR);
// the runner also wants the first result of each run said out loud.
import type { PrimaryServer, Route } from '../../lambdas/core/model.js';
import type { PrimaryProbe, ProbeCheckOptions, ProbeResult } from '../../lambdas/core/ports.js';

export interface PrimaryChange {
  route: string;
  status: 'up' | 'down';
  primary: PrimaryServer;
  error?: string;
  latencyMs: number;
}

const keyOf = (primary: PrimaryServer) => `${primary.host}:${primary.port}`;

export class ObservedProbe implements PrimaryProbe {
  private readonly routesByPrimary = new Map<string, string[]>();
  private readonly last = new Map<string, 'up' | 'down'>();

  constructor(
    private readonly inner: PrimaryProbe,
    routes: Route[],
    private readonly onChange: (change: PrimaryChange) => void,
  ) {
    this.useRoutes(routes);
  }

  /** After a reload: a route whose primary changed is said out loud again at its first check. */
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

  async check(primary: PrimaryServer, options?: ProbeCheckOptions): Promise<ProbeResult> {
    const result = await this.inner.check(primary, options);
    const status = result.ok ? 'up' : 'down';
    for (const route of this.routesByPrimary.get(keyOf(primary)) ?? []) {
      if (this.last.get(route) === status) continue;
      this.last.set(route, status);
      this.onChange({ route, status, primary, latencyMs: result.latencyMs, ...(result.error ? { error: result.error } : {}) });
    }
    return result;
  }
}
