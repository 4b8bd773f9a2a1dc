// Tells the running `npm start` what this command changed (local/activity-log.ts):
// holds and releases, maintenance windows, redirects, a primary marked down by a flush, and each delivery
// attempt of a flush. Wraps the engine's route state and log, so commands need
// not know about it.
import type { DeliveryLog } from '../lambdas/core/runtime/ports.js';
import type { RouteState } from '../lambdas/core/probe/ports.js';
import { noteActivity } from '../local/activity-log.js';

export function narratedRouteState(inner: RouteState, runtimeDir: string): RouteState {
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (property === 'setHold') {
        return async (route: string, hold: { since: Date; reason?: string } | undefined) => {
          await target.setHold(route, hold);
          await noteActivity(runtimeDir, hold ? `held route ${route}${hold.reason ? ` (${hold.reason})` : ''}` : `released route ${route}`);
        };
      }
      if (property === 'saveWindows') {
        return async (route: string, windows: Parameters<RouteState['saveWindows']>[1], version: number) => {
          const written = await target.saveWindows(route, windows, version);
          const list = windows.windows.map((w) => `${w.id} ${w.from.toISOString()}–${w.until.toISOString()}`).join(', ');
          if (written) await noteActivity(runtimeDir, `maintenance windows of route ${route}: ${list || 'none'}`);
          return written;
        };
      }
      if (property === 'setRedirect') {
        return async (route: string, redirect: Parameters<RouteState['setRedirect']>[1]) => {
          await target.setRedirect(route, redirect);
          await noteActivity(runtimeDir, redirect ? `redirected route ${route} to ${redirect.host}:${redirect.port} (tls ${redirect.tls}${redirect.auth ? ', with AUTH' : ''})` : `cleared the redirect of route ${route}`);
        };
      }
      if (property === 'saveHealth') {
        return async (health: Parameters<RouteState['saveHealth']>[0]) => {
          await target.saveHealth(health);
          if (health.status === 'down') await noteActivity(runtimeDir, `marked primary ${health.route} down (${health.lastError ?? 'no answer'})`);
        };
      }
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  });
}

/** The engine's log, also noting each attempt for the runner's console. */
export function narratedLog(inner: DeliveryLog, runtimeDir: string): DeliveryLog {
  return {
    attempt(entry) {
      inner.attempt(entry);
      void noteActivity(runtimeDir, `flush: ${entry.status} ${entry.messageId} to <${entry.recipient}> via ${entry.relay} (${entry.reply})`);
    },
    info: (message, fields) => inner.info(message, fields),
    warn: (message, fields) => inner.warn(message, fields),
    error: (message, fields) => inner.error(message, fields),
  };
}
