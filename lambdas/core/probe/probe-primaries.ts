// The probe: checks each route's primary, records its health, and starts
// work: a drain at once when the primary is up, the route not held (by the
// operator or a maintenance window) and mail is waiting; a sweep (at most every
// sweepIntervalSeconds) when it is down or held. The scheduler fires once a minute; shorter intervals loop inside one
// invocation. After an AUTH refusal it logs in again only on auth-backoff's
// schedule (or at once when the secret changed) and checks without AUTH between.
// Each round ends with the evaluation of every route's and the stack's
// conditions (core/problems): one RouteProblems gauge per route, also for a
// route whose check failed, and one StackProblems.
import { AUTH_REFUSED_PREFIX, afterAuthSuccess, authRefusalPending, authWaiting, refusedFields, waitingFields } from '../policy/auth-backoff.js';
import { healthWorthWriting } from './health-change.js';
import { transitionOf } from './health-history.js';
import { explainProbeError } from './port25-hint.js';
import type { HeldNotices } from '../outcome/notice-ports.js';
import type { PrimaryHealth, Route } from '../model.js';
import type { Clock, DeliveryLog, Metrics } from '../runtime/ports.js';
import type { DeadLetterStore } from '../outcome/ports.js';
import type { DrainStarter, MailQueue } from '../drain/ports.js';
import type { MessageIndex } from '../accept/ports.js';
import type { PrimaryAddressGuard } from '../policy/ports.js';
import type { PrimaryProbe, ProbeResult, RouteState } from './ports.js';
import { readRouteFigures } from './probe-figures.js';
import { lastWindowEnd } from './maintenance-windows.js';
import { effectiveRoute } from './effective-primary.js';
import { heldBy, heldMessage, holdsOf } from './route-hold.js';
import type { RouteFigures } from '../problems/route-conditions.js';
import type { WatchProblems } from '../problems/watch-problems.js';
import { isStalled } from '../sweep/stalled-route.js';

export interface ProbeDeps {
  routes: Route[];
  probe: PrimaryProbe;
  routeState: RouteState;
  queues: (route: Route) => MailQueue;
  drains: DrainStarter;
  metrics: Metrics;
  log: DeliveryLog;
  clock: Clock;
  /**
   * The message index: each round publishes QueuedMessages and
   * OldestQueuedAgeSeconds from it, the truth for age and backlog (SQS's own
   * figures leave out in-flight messages and ones received 3 times or more).
   * When given, a route that is up but has finished nothing for a while also
   * gets its sweep (see stalled-route).
   */
  index?: MessageIndex;
  /** Waits between rounds (a real timer in Lambda; ManualClock.sleep in tests). */
  sleep: (ms: number) => Promise<void>;
  /** When given, a primary whose resolved address loops back to us (SES inbound, our own hop) counts as down. */
  guard?: PrimaryAddressGuard;
  /**
   * Notices held for the operator: each round publishes HeldNotices from
   * these records, so the alarm stays in ALARM until a person has sent or
   * discarded them (invariant 10).
   */
  heldNotices?: HeldNotices;
  /**
   * The dead-letter records: each round publishes DeadLetters from them (the
   * records not yet requeued or deleted), so the alarm stays in ALARM until a
   * person has handled each one, whatever SQS kept of the DLQ (invariant 10).
   */
  deadLetters?: Pick<DeadLetterStore, 'count'>;
  /**
   * The evaluation of the conditions, once per round (not for the trigger's
   * one-route check): RouteProblems for every route, StackProblems once.
   */
  problems?: Pick<WatchProblems, 'evaluate'>;
}

export interface ProbeOptions {
  /** Seconds between checks (1–60). Below 60, one invocation runs several rounds. */
  probeIntervalSeconds: number;
  /** Seconds one invocation covers (the scheduler period, default 60). */
  windowSeconds?: number;
  /** Least time between two sweeps of a down or held route (default 3600). */
  sweepIntervalSeconds?: number;
}

export interface RouteProbeOutcome {
  route: string;
  status: PrimaryHealth['status'];
  held: boolean;
  started?: 'deliver' | 'sweep';
  /** From the message index, when the probe has one. */
  queued?: number;
  oldestAgeSeconds?: number;
  /** What the check met when the route is not up (the health's lastError), for whoever asked. */
  problem?: string;
  /** The check itself failed (an exception, not a primary that does not answer). */
  error?: string;
}


export const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ProbePrimaries {
  constructor(
    private readonly deps: ProbeDeps,
    private readonly options: ProbeOptions,
  ) {}

  /**
   * All rounds of one invocation: one every interval within the window. A
   * round whose checks time out takes long (a step timeout per route), so no
   * round starts that, as long as the longest one so far, would end past the
   * window: the invocation must finish within its Lambda timeout.
   */
  async run(): Promise<RouteProbeOutcome[][]> {
    const { clock } = this.deps;
    const interval = Math.max(1, this.options.probeIntervalSeconds);
    const windowMs = (this.options.windowSeconds ?? 60) * 1000;
    const rounds = interval * 1000 < windowMs ? Math.floor(windowMs / (interval * 1000)) : 1;
    const began = clock.now().getTime();
    let longest = 0;
    const results: RouteProbeOutcome[][] = [];
    for (let i = 0; i < rounds; i++) {
      const started = clock.now().getTime();
      results.push(await this.round());
      const ended = clock.now().getTime();
      longest = Math.max(longest, ended - started);
      if (i === rounds - 1) break;
      const nextStart = Math.max(ended, started + interval * 1000);
      if (nextStart - began + longest > windowMs) {
        this.deps.log.warn('probe rounds are slow: skipping the rest of this window', { longestRoundMs: longest, rounds: i + 1 });
        break;
      }
      if (nextStart > ended) await this.deps.sleep(nextStart - ended);
    }
    await this.deps.metrics.flush();
    return results;
  }

  /** One check of every route (a failing route never stops the others), then the evaluation of their conditions. */
  async round(): Promise<RouteProbeOutcome[]> {
    const checked = await Promise.all(this.deps.routes.map((route) => this.checkRoute(route)));
    if (this.deps.problems) {
      await this.deps.problems.evaluate(checked.map(({ outcome, figures }) => [outcome.route, figures])).catch((error: Error) =>
        // WatchProblems catches its reads and writes; this is a bug's last net. No gauge: its alarm treats that as breaching.
        this.deps.log.error('could not evaluate the problems', { error: error.message }),
      );
    }
    return checked.map(({ outcome }) => outcome);
  }

  /**
   * One route's part of a round, now: what the "I'm back" trigger asks for.
   * The same check (loop guard, AUTH backoff, hold) and the same drain start.
   */
  async probeOne(name: string): Promise<RouteProbeOutcome> {
    const route = this.deps.routes.find((r) => r.name === name);
    if (!route) throw new Error(`no route named "${name}"`);
    const { outcome } = await this.checkRoute(route);
    await this.deps.metrics.flush();
    return outcome;
  }

  /** The route's check, and what it read: a check that failed part way keeps what it read and names itself unreadable. */
  private async checkRoute(route: Route): Promise<{ outcome: RouteProbeOutcome; figures: RouteFigures }> {
    const figures: RouteFigures = { unreadable: [] };
    try {
      return { outcome: await this.probeRoute(route, figures), figures };
    } catch (error) {
      const message = (error as Error).message;
      this.deps.log.error('probe failed', { route: route.name, error: message });
      figures.unreadable.push('the route\'s probe round (probe failed: see its log)');
      return { outcome: { route: route.name, status: 'unknown' as const, held: false, error: message }, figures };
    }
  }

  private async probeRoute(configured: Route, figures: RouteFigures): Promise<RouteProbeOutcome> {
    const { clock, routeState, metrics, log } = this.deps;
    // One request for the health and the controls. Health is about where mail goes: the operator's redirect target while one applies.
    const controls = await routeState.controls(configured.name, { withHealth: true });
    const previous = controls.health;
    const { route, ignored } = effectiveRoute(configured, controls.redirect);
    if (ignored) log.warn('redirect ignored: a deploy changed the primary it replaced (`backup-mx redirect <route> --clear` removes it)', { route: route.name, to: `${ignored.host}:${ignored.port}`, replaced: ignored.replaces });
    const refusal = await this.deps.guard?.refusal(route.primary).catch(() => undefined);
    if (refusal) log.error('LOOP: the primary points back at us; nothing is delivered to it', { route: route.name, host: route.primary.host, refusal });
    const { result, skippedAuth } = refusal
      ? { result: { ok: false, latencyMs: 0, error: `loop guard: ${refusal}` }, skippedAuth: false }
      : await this.check(route, previous);
    const now = clock.now();
    const problem = () => explainProbeError(route.primary, result.error ?? 'probe failed');
    // Only a check that logged in ends a refusal's wait (see auth-backoff.ts).
    const waiting = route.primary.authSecretName !== undefined && authRefusalPending(previous) && !(result.ok && !skippedAuth);
    const status = result.ok && !waiting ? 'up' : 'down';
    const fields = result.authRefused
      ? refusedFields(previous, now, result.error ?? 'AUTH refused', result.credentialDigest)
      : waiting
        ? waitingFields(previous as PrimaryHealth & { authRefusals: number }, result.ok ? undefined : problem())
        : result.ok
          ? afterAuthSuccess(previous)
          : { lastError: problem() };
    const health: PrimaryHealth = {
      route: route.name,
      status,
      since: previous?.status === status ? previous.since : now,
      lastCheckAt: now,
      latencyMs: result.latencyMs,
      consecutiveFailures: status === 'up' ? 0 : (previous?.consecutiveFailures ?? 0) + 1,
      ...fields,
    };
    if (healthWorthWriting(previous, health)) {
      // The transition first: if the health write then fails, the next round sees the change again and records it again.
      const transition = transitionOf(previous, health);
      if (transition) await routeState.recordTransition(route.name, transition).catch((error: Error) => log.warn('could not record the health transition: the timeline misses it', { route: route.name, error: error.message }));
      await routeState.saveHealth(health);
    }
    figures.health = { status: health.status, since: health.since, ...(health.lastError !== undefined ? { lastError: health.lastError } : {}) };
    metrics.count('PrimaryUp', status === 'up' ? 1 : 0, route.name);
    if (previous?.status !== status) log.info(`primary ${status}`, { route: route.name, host: route.primary.host, error: result.error });
    if (result.authRefused) log.warn(AUTH_REFUSED_PREFIX, { route: route.name, host: route.primary.host, refusals: health.authRefusals, nextAuthTryAt: health.authRetryAt?.toISOString() });
    // Nothing was sent, so no AUTH backoff; but it is no outage either: say what to change, every round it lasts.
    if (result.authWithheld) log.error('AUTH WITHHELD: the primary is not TLS-verified, so the probe did not log in and its mail is held', { route: route.name, host: route.primary.host, error: result.error });

    const stored = controls.windows;
    const holder = heldBy(holdsOf(controls), now);
    const held = holder !== undefined;
    // Inside a window "primary down" is planned; after one, the down time counts from its end.
    const lastEnded = lastWindowEnd(stored, now);
    figures.maintenance = { inWindow: holder?.kind === 'window', ...(lastEnded ? { lastEnded } : {}) };
    await readRouteFigures(this.deps, route, now, figures);
    // Said when the window is what stops a drain (up, mail listed): not every round of a quiet window.
    if (holder?.kind === 'window' && status === 'up' && (figures.queued ?? 0) > 0) log.info(heldMessage(holder), { route: route.name, window: holder.window.id, queued: figures.queued });
    const outcome: RouteProbeOutcome = {
      route: route.name,
      status,
      held,
      ...(figures.queued !== undefined ? { queued: figures.queued } : {}),
      ...(figures.oldestAgeSeconds !== undefined ? { oldestAgeSeconds: figures.oldestAgeSeconds } : {}),
      ...(status !== 'up' && health.lastError !== undefined ? { problem: health.lastError } : {}),
    };
    await this.startWork(route, now, outcome);
    return outcome;
  }

  /**
   * The round's work for the route: a drain when it is up, not held and mail
   * waits (with a sweep beside it when the index says it is stalled or lists
   * mail no queue holds); a sweep, at most every sweepIntervalSeconds, otherwise.
   * Sets `outcome.started` to what it started.
   */
  private async startWork(route: Route, now: Date, outcome: RouteProbeOutcome): Promise<void> {
    const { routeState, log } = this.deps;
    if (outcome.status === 'up' && !outcome.held) {
      // Any mail at all, not only visible mail: SQS counts are approximate and lag,
      // and a retry whose delay just ended may still count as in flight. A drain
      // that finds nothing ready costs one receive.
      const depth = await this.deps.queues(route).depth();
      const waiting = depth.visible + depth.inFlight + depth.delayed;
      if (waiting === 0 && (outcome.queued ?? 0) > 0 && (await routeState.claimSweep(route.name, now, this.options.sweepIntervalSeconds ?? 3600))) {
        // The index lists mail no queue holds: entries a finish never reached. The sweep's reconcile heals them (at most hourly).
        log.warn('the message index lists mail that no queue holds: starting a sweep to reconcile it', { route: route.name, queued: outcome.queued });
        await this.deps.drains.start(route.name, 'sweep');
        outcome.started = 'sweep';
      }
      if (waiting > 0) {
        await this.deps.drains.start(route.name, 'deliver');
        outcome.started = 'deliver';
        // Up, yet nothing finished for an hour (drains throttled or failing): expiry and re-enqueue must still happen.
        const sweepInterval = this.options.sweepIntervalSeconds ?? 3600;
        if (this.deps.index && isStalled(await this.deps.index.lastDone(route.name), now, sweepInterval) && (await routeState.claimSweep(route.name, now, sweepInterval))) {
          log.warn('primary up but no message finished for an hour: starting a sweep too', { route: route.name });
          await this.deps.drains.start(route.name, 'sweep');
        }
      }
    } else if (await routeState.claimSweep(route.name, now, this.options.sweepIntervalSeconds ?? 3600)) {
      await this.deps.drains.start(route.name, 'sweep');
      outcome.started = 'sweep';
    }
  }

  /**
   * The SMTP check: without AUTH while a refusal's wait runs, unless the
   * secret changed since the refusal (the operator fixed it): then with AUTH at once.
   */
  private async check(route: Route, previous: PrimaryHealth | undefined): Promise<{ result: ProbeResult; skippedAuth: boolean }> {
    const attempt = (skipAuth: boolean) =>
      this.deps.probe.check(route.primary, skipAuth ? { skipAuth } : undefined).catch((error: Error): ProbeResult => ({ ok: false, latencyMs: 0, error: `probe: ${error.message}` }));
    if (!route.primary.authSecretName || !authWaiting(previous, this.deps.clock.now())) return { result: await attempt(false), skippedAuth: false };
    const reachable = await attempt(true);
    const refused = previous?.refusedCredentials;
    if (!reachable.ok || reachable.credentialDigest === undefined || refused === undefined || reachable.credentialDigest === refused) return { result: reachable, skippedAuth: true };
    this.deps.log.info('AUTH secret changed since the refusal: trying AUTH now', { route: route.name });
    return { result: await attempt(false), skippedAuth: false };
  }
}
