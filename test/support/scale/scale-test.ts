// The scale test (one file per scenario in test/scale): 100k messages (30% with 2-5 recipients, 4% of recipients
// unknown to the primary) arrive over one day while the primary is down, on
// fakes that behave like SQS (14-day retention from the first enqueue,
// redrive to a DLQ at 1000 receives, visibility, delays) and fail AWS calls at
// a seeded rate, with modelled latencies on a manual clock. The queue lifetime
// is 5, 12 or 30 days; the primary comes back at day 3, at day 13 (after the
// first re-enqueue) or never. At the end every (message, recipient) has
// exactly one final outcome, nothing was dropped by retention or redrive, and
// every bounce or expiry was told (DSN) or dead-lettered. Figures are printed.
//   SCALE_MESSAGES=<n>   messages per scenario (default 100000)
//   SCALE_SEED=<n>       repeat a run
import { describe, expect, it } from 'vitest';
import { runScale, type ScaleFigures, type ScaleScenario } from './scale-run.js';

const MESSAGES = Number(process.env.SCALE_MESSAGES ?? 100_000);
const SEED = Number(process.env.SCALE_SEED ?? 20261201);
/** The sweep's hold in these runs: 12 h (SQS's longest visibility), so a message is looked at twice a day. */
const HOLD_SECONDS = 43_200;

export type ScaleCase = Omit<ScaleScenario, 'messages' | 'seed' | 'faultRate' | 'sweepHoldSeconds'>;

function report(f: ScaleFigures): string {
  const o = f.outcomes;
  return [
    `scale: ${f.scenario}`,
    `  messages ${f.messages}, pairs ${f.pairs}: delivered ${o.delivered}, bounced ${o.bounced}, expired ${o.expired}, dead-lettered ${o['dead-lettered']}, unresolved ${f.unresolved}`,
    `  dropped by retention ${f.droppedByRetention}, redriven ${f.redriven}, untold ${f.untold}, duplicate deliveries ${f.duplicateDeliveries}, duplicate notices ${f.duplicateNotices}`,
    `  DSNs ${f.dsns}, dead-letter records ${f.deadLetterRecords}, re-enqueued ${f.reenqueued}, stale "queued" index entries ${f.ghostQueued}`,
    `  sweeps ${f.sweeps}, drains ${f.drains}, injected AWS faults ${f.injectedFaults} (route state ${f.routeStateFaults}: ${f.failedRuns} runs failed, ${f.holdUnknown} drains stopped on an unreadable hold), simulated ${f.simulatedDays} days, wall ${f.wallSeconds} s`,
  ].join('\n');
}

/** Registers one scenario as a test (one file each, so vitest runs them side by side); `checks` adds the scenario's own. */
export function scaleTest(scenario: ScaleCase, seedOffset: number, checks?: (figures: ScaleFigures) => void): void {
  describe(`no loss at scale: ${MESSAGES} messages (SCALE_SEED=${SEED})`, () => {
    it(scenario.name, async () => {
      const figures = await runScale({ ...scenario, messages: MESSAGES, seed: SEED + seedOffset, faultRate: 0.002, sweepHoldSeconds: HOLD_SECONDS });
      console.log(report(figures));
      expect(figures.leftOnQueue).toEqual([]);
      expect(figures.unresolved).toBe(0);
      expect(figures.droppedByRetention).toBe(0);
      expect(figures.redriven).toBe(0);
      expect(figures.untold).toBe(0);
      expect(figures.duplicateNotices).toBe(0);
      expect(figures.ghostQueued).toBe(0); // no finished message left listed as queued
      expect(figures.duplicateDeliveries).toBeLessThanOrEqual(Math.ceil(figures.pairs / 10_000));
      expect(figures.injectedFaults).toBeGreaterThan(0); // the faults really ran
      expect(figures.routeStateFaults).toBeGreaterThan(0); // the route state (hold, health, lease) failed too
      if (scenario.primaryBackAtDays === undefined) expect(figures.outcomes.delivered).toBe(0);
      else expect(figures.outcomes.expired).toBe(0); // back before any lifetime ended: nothing expires
      if (scenario.lifetimeDays > 14) expect(figures.reenqueued).toBeGreaterThanOrEqual(MESSAGES); // each copied before SQS's 14 days
      checks?.(figures);
    }, 180_000);
  });
}
