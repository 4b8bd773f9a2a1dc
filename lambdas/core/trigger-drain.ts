// "I'm back": the primary tells backup-mx it is up again (an HTTPS call from
// its start-up hook), so its mail comes at once instead of at the next probe.
// The call is authenticated (trigger-signature.ts) and rate-limited per route;
// delivery stays primary-gated: we check the primary ourselves (one SMTP
// handshake, as the probe does) and only then record it up and start a drain.
import type { PrimaryHealth, Route } from './model.js';
import { refusedFields } from './auth-backoff.js';
import type { Clock, DeliveryLog, DrainStarter, PrimaryProbe, ProbeResult, RouteState } from './ports.js';
import type { TriggerGate, TriggerKey } from './feature-ports.js';
import { checkTriggerSignature } from './trigger-signature.js';

/** Default shortest time between two accepted triggers of one route. */
export const DEFAULT_TRIGGER_INTERVAL_SECONDS = 10;

export interface TriggerRequest {
  route: string;
  timestamp?: string;
  signature?: string;
}

/** HTTP-shaped on purpose: the function URL and the local listener return it as it is. */
export interface TriggerResult {
  status: 202 | 401 | 404 | 405 | 409 | 429 | 500 | 503;
  message: string;
  retryAfterSeconds?: number;
}

export interface TriggerDeps {
  routes: Route[];
  key: TriggerKey;
  gate: TriggerGate;
  routeState: RouteState;
  probe: PrimaryProbe;
  drains: DrainStarter;
  clock: Clock;
  log: DeliveryLog;
}

export class TriggerDrain {
  constructor(
    private readonly deps: TriggerDeps,
    private readonly minIntervalSeconds = DEFAULT_TRIGGER_INTERVAL_SECONDS,
  ) {}

  async handle(request: TriggerRequest): Promise<TriggerResult> {
    const { clock, log, routeState } = this.deps;
    const now = clock.now();
    let secret: string;
    try {
      secret = await this.deps.key.secret();
    } catch (error) {
      log.error('trigger: secret unavailable', { error: (error as Error).message });
      return { status: 500, message: 'trigger secret unavailable' };
    }
    // Authenticate before saying whether the route exists.
    const check = checkTriggerSignature(secret, request.route, request.timestamp, request.signature, now);
    if (!check.ok) {
      log.warn('trigger refused', { route: request.route, why: check.why });
      return { status: 401, message: `not authenticated: ${check.why}` };
    }
    const route = this.deps.routes.find((r) => r.name === request.route);
    if (!route) return { status: 404, message: `no route named "${request.route}"` };
    if (!(await this.deps.gate.claim(route.name, now, this.minIntervalSeconds))) {
      return { status: 429, message: `route ${route.name} was triggered less than ${this.minIntervalSeconds} s ago`, retryAfterSeconds: this.minIntervalSeconds };
    }
    if (await routeState.hold(route.name)) return { status: 409, message: `route ${route.name} is held by an operator: nothing is delivered until it is released` };

    // With AUTH even while the probe waits out a refusal (auth-backoff.ts): the
    // operator calls this after fixing the password, to end the wait at once.
    const result: ProbeResult = await this.deps.probe.check(route.primary).catch((error: Error) => ({ ok: false, latencyMs: 0, error: `probe: ${error.message}` }));
    if (result.authRefused) await this.recordRefusal(route, result);
    if (!result.ok) {
      log.warn('trigger: primary does not answer us yet', { route: route.name, error: result.error });
      return { status: 503, message: `primary ${route.primary.host}:${route.primary.port} does not answer backup-mx yet (${result.error ?? 'no answer'}); the probe keeps checking`, retryAfterSeconds: this.minIntervalSeconds };
    }
    const previous = await routeState.health(route.name);
    // Up, and any AUTH backoff gone: this check logged in.
    const health: PrimaryHealth = {
      route: route.name,
      status: 'up',
      since: previous?.status === 'up' ? previous.since : clock.now(),
      lastCheckAt: clock.now(),
      latencyMs: result.latencyMs,
      consecutiveFailures: 0,
    };
    await routeState.saveHealth(health);
    await this.deps.drains.start(route.name, 'deliver');
    log.info('trigger: primary is back, drain started', { route: route.name, latencyMs: result.latencyMs });
    return { status: 202, message: `primary of route ${route.name} answers; drain started` };
  }

  /** A refusal here counts like the probe's (fail2ban counts it too): the probe's wait grows. */
  private async recordRefusal(route: Route, result: ProbeResult): Promise<void> {
    const { clock, routeState } = this.deps;
    const previous = await routeState.health(route.name);
    const now = clock.now();
    await routeState.saveHealth({
      route: route.name,
      status: 'down',
      since: previous?.status === 'down' ? previous.since : now,
      lastCheckAt: now,
      latencyMs: result.latencyMs,
      consecutiveFailures: (previous?.consecutiveFailures ?? 0) + 1,
      ...refusedFields(previous, now, result.error ?? 'AUTH refused', result.credentialDigest),
    });
  }
}
