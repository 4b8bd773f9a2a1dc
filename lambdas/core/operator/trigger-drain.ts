// "I'm back": the primary tells backup-mx it is up again (an HTTPS call from
// its start-up hook), so its mail comes at once instead of at the next probe.
// The call can only ask for what the probe does anyway: check this route now.
// It is refused as cheaply as possible, in this order: a malformed, stale or
// future timestamp (no secret read), a bad HMAC (trigger-signature.ts), an
// unknown route, then the route's gate (a conditional write): at most one call
// per interval, and only with a timestamp newer than the last accepted one, so
// a captured call is worthless once used. Every refusal is counted
// (TriggerRefused). An accepted call asks the probe to check the route, which
// applies the loop guard, the AUTH backoff and the hold as a scheduled round
// does and starts the drain only when mail waits: the trigger itself never
// talks SMTP, holds no credentials and writes no health.
import type { TriggerGate, TriggerKey, ProbeRequester } from './ports.js';
import type { Clock, DeliveryLog, Metrics } from '../runtime/ports.js';
import { checkTriggerForm, checkTriggerSignature } from './trigger-signature.js';

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
  /** The route names; asked only once a call is authenticated (the route table, read and checked against its digest). */
  routes: () => Promise<string[]>;
  key: TriggerKey;
  gate: TriggerGate;
  probes: ProbeRequester;
  clock: Clock;
  log: DeliveryLog;
  metrics: Pick<Metrics, 'stackCount' | 'flush'>;
}

export class TriggerDrain {
  constructor(
    private readonly deps: TriggerDeps,
    private readonly minIntervalSeconds = DEFAULT_TRIGGER_INTERVAL_SECONDS,
  ) {}

  async handle(request: TriggerRequest): Promise<TriggerResult> {
    try {
      return await this.answer(request);
    } finally {
      await this.deps.metrics.flush();
    }
  }

  /** A call refused before it became a request (wrong method or path): counted like every refusal. */
  async refusedHttp(): Promise<void> {
    this.refuse({ status: 404, message: '' }, 'http');
    await this.deps.metrics.flush();
  }

  private async answer(request: TriggerRequest): Promise<TriggerResult> {
    const { clock, log } = this.deps;
    const now = clock.now();
    // Before anything that costs: no secret is read for a malformed, stale or future call.
    const form = checkTriggerForm(request.timestamp, request.signature, now);
    if (!form.ok) return this.refuse({ status: 401, message: `not authenticated: ${form.why}` }, 'form');
    let secret: string;
    try {
      secret = await this.deps.key.secret();
    } catch (error) {
      log.error('trigger: secret unavailable', { error: (error as Error).message });
      return { status: 500, message: 'trigger secret unavailable' };
    }
    // Authenticate before saying whether the route exists.
    const check = checkTriggerSignature(secret, request.route, request.timestamp, request.signature, now);
    if (!check.ok) return this.refuse({ status: 401, message: `not authenticated: ${check.why}` }, 'signature');

    const route = request.route;
    if (!(await this.deps.routes()).includes(route)) return this.refuse({ status: 404, message: `no route named "${route}"` }, 'unknown-route', route);
    const gate = await this.deps.gate.claim(route, Number(request.timestamp), now, this.minIntervalSeconds);
    if (!gate.passed) {
      return gate.why === 'too-soon'
        ? this.refuse({ status: 429, message: `route ${route} was triggered less than ${this.minIntervalSeconds} s ago`, retryAfterSeconds: gate.retryAfterSeconds }, 'too-soon', route)
        : this.refuse({ status: 401, message: `not authenticated: timestamp ${request.timestamp} is not newer than the last accepted call's (a replay, or two calls in one second)` }, 'replay', route);
    }

    const outcome = await this.deps.probes.probeNow(route).catch((error: Error) => {
      log.error('trigger: the probe could not check the route', { route, error: error.message });
      return undefined;
    });
    if (!outcome) return { status: 503, message: `the probe of route ${route} could not be started; it runs on its schedule anyway`, retryAfterSeconds: this.minIntervalSeconds };
    if (outcome.held) return { status: 409, message: `route ${route} is held by an operator: nothing is delivered until it is released` };
    if (outcome.status !== 'up') {
      log.warn('trigger: primary does not answer us yet', { route, problem: outcome.problem ?? outcome.error });
      return {
        status: 503,
        message: `primary of route ${route} does not answer backup-mx yet (${outcome.problem ?? outcome.error ?? 'no answer'}); the probe keeps checking`,
        retryAfterSeconds: this.minIntervalSeconds,
      };
    }
    log.info('trigger: primary is back', { route, started: outcome.started ?? 'nothing' });
    return outcome.started === 'deliver'
      ? { status: 202, message: `primary of route ${route} answers; drain started` }
      : { status: 202, message: `primary of route ${route} answers; no mail is waiting for it` };
  }

  /** Counted in TriggerRefused; logged only once the caller proved it holds the key (a flood writes no log lines of its own). */
  private refuse(result: TriggerResult, why: string, route?: string): TriggerResult {
    this.deps.metrics.stackCount?.('TriggerRefused', 1, { why });
    if (route !== undefined) this.deps.log.warn('trigger refused', { route, why, status: result.status });
    return result;
  }
}
