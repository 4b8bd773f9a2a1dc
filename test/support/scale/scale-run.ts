// Drives one scale scenario on the manual clock: messages arrive over a day
// while the primary is down; the probe runs every minute (it records health
// and asks for drains and sweeps, which run here one after another, as the
// route lease would have them); the primary comes back at a given time or
// never. Ends when the queue is empty or the time is up, then audits every
// (message, recipient) pair.
import { DrainRoute } from '../../../lambdas/core/drain/drain-route.js';
import type { EngineOptions } from '../../../lambdas/core/drain/drain-deps.js';
import { FINAL_STATES, type RecipientState } from '../../../lambdas/core/model.js';
import type { DrainMode } from '../../../lambdas/core/drain/ports.js';
import { ProbePrimaries } from '../../../lambdas/core/probe/probe-primaries.js';
import { SweepRoute } from '../../../lambdas/core/sweep/sweep-route.js';
import { SeededRandom } from '../chaos/seeded-random.js';
import { proberDeps } from '../world/fake-world.js';
import { compactNotification, forgetParsed, ROUTE, scaleWorld } from './scale-world.js';

export interface ScaleScenario {
  name: string;
  messages: number;
  lifetimeDays: number;
  /** Days after the first arrival when the primary answers again; undefined: never. */
  primaryBackAtDays?: number;
  faultRate: number;
  seed: number;
  /** The sweep's hold (sweepVisibilitySeconds). */
  sweepHoldSeconds: number;
  /** Stop after this many simulated days even if mail is left (the audit then fails). */
  maxDays: number;
}

export interface ScaleFigures {
  scenario: string;
  messages: number;
  pairs: number;
  outcomes: Record<RecipientState, number>;
  /** Pairs with no final state at the end. */
  unresolved: number;
  /** Recipients the primary got more than once (sum of extra copies). */
  duplicateDeliveries: number;
  /** Expired or bounced pairs whose sender was told more than once. */
  duplicateNotices: number;
  /** Bounced or expired pairs nobody was told about (no DSN, no dead letter, no recorded suppressed notice). */
  untold: number;
  /** Messages SQS's retention dropped, and messages it redrove to the DLQ. */
  droppedByRetention: number;
  redriven: number;
  /** A few queue entries left at the end, for a failing run's report. */
  leftOnQueue: { body: string; visibleAt: string; receiveCount: number }[];
  /** Index entries still "queued" for messages whose recipients are all final. */
  ghostQueued: number;
  dsns: number;
  deadLetterRecords: number;
  sweeps: number;
  drains: number;
  reenqueued: number;
  expiredPairs: number;
  injectedFaults: number;
  /** Route-state faults: runs that failed before starting, drains stopped by a hold read that failed. */
  routeStateFaults: number;
  failedRuns: number;
  holdUnknown: number;
  simulatedDays: number;
  wallSeconds: number;
}

const DAY = 86_400;

export async function runScale(s: ScaleScenario): Promise<ScaleFigures> {
  const wallStart = Date.now();
  const start = new Date('2026-03-02T00:00:00Z');
  const random = new SeededRandom(s.seed);
  const unknown = new Set<string>();
  const messages: { messageId: string; receivedAt: Date; sender: string; recipients: string[] }[] = [];
  for (let i = 0; i < s.messages; i++) {
    const count = random.chance(0.3) ? random.int(2, 5) : 1;
    const recipients = new Set<string>();
    while (recipients.size < count) {
      if (random.chance(0.04)) {
        const address = `nobody${random.int(1, 500)}@example.com`;
        unknown.add(address);
        recipients.add(address);
      } else recipients.add(`user${random.int(1, 5000)}@example.com`);
    }
    messages.push({
      messageId: `sim${i.toString(36).padStart(5, '0')}`,
      receivedAt: new Date(start.getTime() + Math.floor((i / s.messages) * DAY * 1000)),
      sender: random.chance(0.01) ? '' : `sender${random.int(1, 977)}@remote.example`,
      recipients: [...recipients],
    });
  }

  const w = scaleWorld({ seed: s.seed + 1, start, faultRate: s.faultRate, unknown });
  const options: EngineOptions = {
    hostname: 'mx2.example.com',
    queueLifetimeSeconds: s.lifetimeDays * DAY,
    minBackoffSeconds: 300,
    maxBackoffSeconds: 3600,
    concurrency: 20,
    leaseMarginSeconds: 360,
    sweepVisibilitySeconds: s.sweepHoldSeconds,
    // Each sweep meets a message at most twice a day (the 12 h hold) instead of every hour: keeps
    // 100k × weeks of sweeps inside the test's time; the release at the end has its own tests.
    sweepReleasesAtEnd: false,
    ledgerWriteRetryMs: [0, 0, 0], // the manual clock models time; no real waits
  };
  const drain = new DrainRoute(w.deps, options);
  const sweep = new SweepRoute(w.deps, options);
  const requested: DrainMode[] = [];
  const prober = new ProbePrimaries(
    proberDeps(w, {
      routes: [ROUTE],
      probe: { check: async () => (w.primary.up ? { ok: true, latencyMs: 5 } : { ok: false, latencyMs: 5, error: 'connect: ECONNREFUSED' }) },
      drains: { start: async (_route, mode = 'deliver') => void requested.push(mode) },
      metrics: w.deps.metrics,
      log: w.deps.log,
    }),
    { probeIntervalSeconds: 60 },
  );
  const raw = (id: string) => `Received: from mta.remote.example by inbound-smtp.us-east-1.amazonaws.com with SMTP id ${id}\r\nSubject: scale\r\n\r\nHello.\r\n`;

  let arrived = 0;
  let sweeps = 0;
  let drains = 0;
  let reenqueued = 0;
  let runs = 0;
  let failedRuns = 0;
  let holdUnknown = 0;
  const backAt = s.primaryBackAtDays === undefined ? Infinity : start.getTime() + s.primaryBackAtDays * DAY * 1000;
  const endAt = start.getTime() + s.maxDays * DAY * 1000;
  for (let tick = start.getTime(); tick < endAt; tick += 60_000) {
    if (w.clock.now().getTime() < tick) w.clock.set(new Date(tick));
    const now = w.clock.now().getTime();
    // SES stores the object and SNS enqueues its notification: not our calls, so no faults.
    w.faults.enabled = false;
    while (arrived < messages.length && messages[arrived]!.receivedAt.getTime() <= now) {
      const m = messages[arrived++]!;
      w.store.put(`inbound/main/${m.messageId}`, raw(m.messageId));
      await w.queue.enqueue(compactNotification(m));
      await w.index.add({ messageId: m.messageId, route: ROUTE.name, sender: m.sender, recipients: m.recipients, receivedAt: m.receivedAt, state: 'queued' });
    }
    w.faults.enabled = true;
    w.primary.up = now >= backAt;
    await prober.round();
    for (const mode of requested.splice(0)) {
      const owner = `run-${++runs}`;
      let summary;
      try {
        summary = mode === 'sweep' ? await sweep.run(ROUTE, { owner, budgetSeconds: 570 }) : await drain.run(ROUTE, { owner, budgetSeconds: 240 });
      } catch {
        // A route-state call before the run's own error handling failed (health, lease): the invocation
        // fails as a Lambda would, and the probe's next round asks again.
        failedRuns += 1;
        continue;
      }
      if (summary.stoppedBecause === 'hold-unknown') holdUnknown += 1;
      if (summary.stoppedBecause === 'lease-held' || summary.stoppedBecause === 'primary-up' || summary.stoppedBecause === 'primary-down') continue;
      if (mode === 'sweep') sweeps += 1;
      else drains += 1;
      reenqueued += summary.reenqueued;
    }
    if (arrived === messages.length && w.queue.size === 0) break;
  }

  forgetParsed();
  // The audit reads through the same fakes, faults off.
  w.faults.enabled = false;
  w.queue.dropExpired();
  w.dlq.dropExpired();
  const outcomes = Object.fromEntries(['queued', 'deferred', 'delivered', 'bounced', 'expired', 'dead-lettered'].map((k) => [k, 0])) as Record<RecipientState, number>;
  let pairs = 0;
  let unresolved = 0;
  let duplicateDeliveries = 0;
  let duplicateNotices = 0;
  let untold = 0;
  let ghostQueued = 0;
  const deadLettered = new Set((await w.deadLetters.list()).map((r) => r.messageId));
  for (const m of messages) {
    let allFinal = true;
    // A refused recipient of a sender that cannot be told (the null sender here) is recorded as notice suppressed.
    const recorded = await w.ledger.outcomes(m.messageId);
    for (const r of m.recipients) {
      pairs += 1;
      const state = w.ledger.stateOf(m.messageId, r) ?? 'queued';
      outcomes[state] += 1;
      if (!FINAL_STATES.includes(state)) {
        unresolved += 1;
        allFinal = false;
      }
      const copies = w.primary.delivered.get(`${m.messageId} ${r}`) ?? 0;
      duplicateDeliveries += Math.max(0, copies - 1);
      if (state === 'bounced' || state === 'expired') {
        const told = w.bounces.told.get(`${m.messageId} ${r}`) ?? 0;
        duplicateNotices += Math.max(0, told - 1);
        const suppressed = state === 'bounced' && recorded.get(r)?.noticeResult?.kind === 'suppressed';
        if (told === 0 && !deadLettered.has(m.messageId) && !suppressed) untold += 1;
      }
    }
    if (allFinal && (await w.index.get(m.messageId, ROUTE.name))?.state === 'queued') ghostQueued += 1;
  }
  return {
    scenario: s.name,
    messages: messages.length,
    pairs,
    outcomes,
    unresolved,
    duplicateDeliveries,
    duplicateNotices,
    untold,
    droppedByRetention: w.queue.droppedByRetention.length + w.dlq.droppedByRetention.length,
    redriven: w.queue.redriven.length,
    leftOnQueue: w.queue.all().slice(0, 3).map((e) => ({ body: e.body.slice(0, 120), visibleAt: e.visibleAt.toISOString(), receiveCount: e.receiveCount })),
    ghostQueued,
    dsns: w.bounces.sent,
    deadLetterRecords: deadLettered.size,
    sweeps,
    drains,
    reenqueued,
    expiredPairs: outcomes.expired,
    injectedFaults: w.faults.totalFailures,
    routeStateFaults: [...w.faults.failures].filter(([op]) => op.startsWith('routeState.')).reduce((n, [, count]) => n + count, 0),
    failedRuns,
    holdUnknown,
    simulatedDays: Math.round(((w.clock.now().getTime() - start.getTime()) / (DAY * 1000)) * 100) / 100,
    wallSeconds: Math.round((Date.now() - wallStart) / 100) / 10,
  };
}
