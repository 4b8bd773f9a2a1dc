// What a SIGHUP may change in a running local backup MX, decided from the
// running configuration and the file's new one (both already validated).
// Routes change live: the stand-in's recipients, the probe's primaries and
// the next drains follow them. Everything else in the file (hostname, retry,
// queue lifetime, probe interval, canary, alarms, region...) is read once at
// start: a change there is named as needing a restart and the running value
// stays. The port, data dir and other variables come from the environment,
// which a signal cannot change.
import type { BackupMxConfig, RouteConfig } from '../../lib/config/backup-mx-config.js';
import { listSome, plural } from '../words.js';

export interface ReloadPlan {
  /** What runs after the reload: the new routes, every other field as it was. */
  config: BackupMxConfig;
  added: string[];
  removed: string[];
  /** Routes whose fields changed (primary, domains, recipients, policies). */
  changed: string[];
  /** Top-level fields that differ in the file but apply only after a restart. */
  needRestart: string[];
  /** Set when nothing can be applied: why, with the fix. */
  refused?: string;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function planReload(running: BackupMxConfig, next: BackupMxConfig): ReloadPlan {
  const before = new Map(running.routes.map((route) => [route.name, route]));
  const after = new Map(next.routes.map((route) => [route.name, route]));
  const added = next.routes.filter((route) => !before.has(route.name)).map((route) => route.name);
  const removed = running.routes.filter((route) => !after.has(route.name)).map((route) => route.name);
  const changed = next.routes.filter((route) => before.has(route.name) && !same(before.get(route.name), route)).map((route) => route.name);
  const needRestart = (Object.keys({ ...running, ...next }) as (keyof BackupMxConfig)[])
    .filter((key) => key !== 'routes' && !same(running[key], next[key]))
    .sort();
  const config: BackupMxConfig = { ...running, routes: next.routes as RouteConfig[] };
  const plan: ReloadPlan = { config, added, removed, changed, needRestart };
  // The canary's receipt rule publishes to the first route's topic, fixed at start.
  const canaryRoute = running.canary ? running.routes[0]!.name : undefined;
  if (canaryRoute !== undefined && next.routes[0]!.name !== canaryRoute) {
    plan.refused = `routes[0]: the canary rides the first route ("${canaryRoute}") until a restart; keep it first, or restart to change it`;
  }
  return plan;
}

/** The one line a reload prints. */
export function describeReload(plan: ReloadPlan, source: string, queuedOfRemoved: Map<string, number> = new Map()): string {
  if (plan.refused) return `reload: ${source}: ${plan.refused}; keeping the running configuration`;
  const parts: string[] = [];
  if (plan.added.length > 0) parts.push(`added route ${listSome(plan.added)}`);
  if (plan.changed.length > 0) parts.push(`changed route ${listSome(plan.changed)}`);
  if (plan.removed.length > 0) {
    const waiting = plan.removed.reduce((sum, name) => sum + (queuedOfRemoved.get(name) ?? 0), 0);
    parts.push(
      `removed route ${listSome(plan.removed)}` +
        (waiting > 0 ? ` (${plural(waiting, 'queued message')} of it stay queued, undelivered, until the route is back)` : ''),
    );
  }
  const applied = parts.length > 0 ? parts.join(', ') : 'routes unchanged';
  const kept = plan.needRestart.length > 0 ? `; ${listSome(plan.needRestart)} changed in the file but apply only after a restart (the running values stay)` : '';
  return `reload: ${source}: ${applied}${kept}`;
}

/** A validation message on one line: "invalid backupMx context:\n  - a\n  - b" becomes "invalid backupMx context: a; b". */
export function oneLine(message: string): string {
  const [head, ...problems] = message.split(/\n\s*- /);
  return problems.length > 0 ? `${head!.replace(/:$/, '')}: ${problems.join('; ')}` : message.replace(/\s*\n\s*/g, ' ');
}
