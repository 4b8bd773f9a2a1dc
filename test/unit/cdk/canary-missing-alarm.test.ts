// The canary's condition (canary-missing, alarm StackProblems), evaluated as
// CloudWatch would on the alarm the template defines, over the verdicts the
// probe publishes with a manual clock: the canary function sends hourly
// (SendCanary), SES receiving hands it to the accept step (AcceptMessage,
// which records an on-time arrival) while the rule matches, and nothing
// arrives once it does not (the rule set deactivated by another tool: SES
// still accepts the send). The probe reads the last arrival every minute. The
// alarm stays OK while canaries arrive, fires within the interval plus 15
// minutes (and three probe rounds) of the last arrival when the path breaks,
// and returns to OK after the first canary that follows the repair.
import { describe, expect, it } from 'vitest';
import { stackMetricDimensions } from '../../../lambdas/adapters/aws/powertools-metrics.js';
import {
  InMemoryCanaryArrivals,
  InMemoryCanaryKey,
  InMemoryDeliveryRecords,
  InMemoryMessageIndex,
  InMemoryMessageStore,
  InMemoryProblemStates,
  ManualClock,
  RecordingDeliveryLog,
  RecordingMetrics,
} from '../../../lambdas/adapters/fakes/index.js';
import { parseSesNotification } from '../../../lambdas/adapters/ses/ses-notification.js';
import { AcceptMessage } from '../../../lambdas/core/accept/accept-message.js';
import { CanaryRecogniser } from '../../../lambdas/core/canary/recognise-canary.js';
import { SendCanary } from '../../../lambdas/core/canary/send-canary.js';
import type { Envelope } from '../../../lambdas/core/drain/ports.js';
import { conditionsOf, STACK_CONDITIONS } from '../../../lambdas/core/problems/conditions.js';
import { DEFAULT_THRESHOLDS } from '../../../lambdas/core/problems/route-conditions.js';
import { WatchProblems } from '../../../lambdas/core/problems/watch-problems.js';
import { alarmOf, evaluate, StampedMetrics, type ModelAlarm } from '../../support/cdk/alarm-model.js';
import { sesNotification } from '../../support/aws/ses-events.js';
import { BASE_CONTEXT, buildStack } from '../../support/cdk/stack-fixture.js';

const ADDRESS = 'canary@canary.example.com';
const MINUTE = 60;

function stackAlarm(): ModelAlarm {
  return alarmOf(buildStack(BASE_CONTEXT).template, 'MonitoringStackProblems');
}

/** The canary's whole path with fakes: SES receiving delivers to accept `delaySeconds` later while `ruleMatches`. */
function pipeline(clock: ManualClock) {
  const keys = new InMemoryCanaryKey();
  const arrivals = new InMemoryCanaryArrivals();
  const accept = new AcceptMessage({
    index: new InMemoryMessageIndex(),
    store: new InMemoryMessageStore(),
    parse: parseSesNotification,
    log: new RecordingDeliveryLog(),
    clock,
    canary: new CanaryRecogniser(keys, { address: ADDRESS, route: 'corp' }),
    canaryArrivals: arrivals,
    metrics: new RecordingMetrics(),
  });
  // The probe's evaluation of the stack, publishing StackProblems as the Lambda does (CloudWatch stamps the publishing time).
  const published = new StampedMetrics(() => clock.now(), () => ({}), () => stackMetricDimensions('BackupMx'));
  const problems = new WatchProblems(
    { states: new InMemoryProblemStates(), deliveries: new InMemoryDeliveryRecords(), canaryArrivals: arrivals, metrics: published, log: new RecordingDeliveryLog(), clock },
    { thresholds: DEFAULT_THRESHOLDS, canaryIntervalMinutes: 60 },
  );
  const inFlight: { at: number; notification: string }[] = [];
  const state = { ruleMatches: true, delaySeconds: 3 };
  const ses = {
    // SES accepts the send either way; only receiving decides whether it arrives.
    async send(raw: string, envelope: Envelope) {
      if (!state.ruleMatches) return;
      const subject = /^Subject: (.*)$/m.exec(raw)![1]!.trim();
      inFlight.push({ at: clock.now().getTime() + state.delaySeconds * 1000, notification: sesNotification({ recipients: envelope.to, sender: envelope.from, subject, timestamp: clock.now(), objectKeyPrefix: 'mail/_canary/' }) });
    },
  };
  const sender = new SendCanary({ keys, mailer: ses, clock, log: new RecordingDeliveryLog() }, { address: ADDRESS });
  /** Moves the clock minute by minute: canaries at `phase` past each hour, arrivals when due. */
  async function run(minutes: number, phaseMinutes: number, each: (at: Date) => void) {
    for (let i = 0; i < minutes; i++) {
      const now = clock.now();
      if (now.getUTCMinutes() === phaseMinutes && now.getUTCSeconds() === 0) await sender.send();
      clock.advance(MINUTE / 2);
      for (const due of inFlight.filter((m) => m.at <= clock.now().getTime())) {
        inFlight.splice(inFlight.indexOf(due), 1);
        await accept.accept('corp', due.notification);
      }
      clock.advance(MINUTE / 2);
      await problems.stack(); // the probe's round
      each(clock.now());
    }
  }
  const lastConditions = () => conditionsOf(STACK_CONDITIONS, published.points.at(-1)!.value);
  return { state, arrivals, published, run, lastConditions };
}

describe('canary-missing (StackProblems over the probe\'s verdicts, manual clock)', () => {
  const alarm = stackAlarm();

  it('stays OK while hourly canaries arrive, then fires within the interval plus 15 minutes of the last one when the rule stops matching, and clears after the repair', async () => {
    const clock = new ManualClock('2026-01-05T10:00:00.000Z');
    const path = pipeline(clock);
    const states: { at: Date; state: string }[] = [];
    const record = (at: Date) => states.push({ at, state: evaluate(alarm, path.published.points, at) });

    await path.run(3 * 60, 4, record);
    const settled = states.filter((s) => s.at.getTime() >= Date.parse('2026-01-05T10:05:00Z'));
    expect(settled.every((s) => s.state === 'OK')).toBe(true);
    const lastArrival = (await path.arrivals.last())!.at;

    // Break the path.
    path.state.ruleMatches = false;
    states.length = 0;
    await path.run(3 * 60, 4, record);
    const firstAlarm = states.find((s) => s.state === 'ALARM')!.at;
    const minutesAfter = (firstAlarm.getTime() - lastArrival.getTime()) / 60_000;
    expect(minutesAfter).toBeGreaterThan(60 + 15); // never before a canary is even late
    expect(minutesAfter).toBeLessThanOrEqual(60 + 15 + 4); // the late limit, then three one-minute periods
    expect(path.lastConditions()).toEqual(['canary-missing']);
    expect(states.filter((s) => s.at > firstAlarm).every((s) => s.state === 'ALARM')).toBe(true);

    // Repaired: the next canary ends the condition, and the alarm goes to OK.
    path.state.ruleMatches = true;
    states.length = 0;
    await path.run(70, 4, record);
    expect(states.at(-1)!.state).toBe('OK');
    expect(path.lastConditions()).toEqual([]);
  });

  it('a canary that arrives later than 15 minutes (or a replayed old one) counts as missing', async () => {
    const clock = new ManualClock('2026-01-05T10:00:00.000Z');
    const path = pipeline(clock);
    path.state.delaySeconds = 20 * MINUTE;
    const states: string[] = [];
    await path.run(4 * 60, 0, (at) => states.push(evaluate(alarm, path.published.points, at)));
    expect(await path.arrivals.last()).toBeUndefined();
    expect(states.at(-1)).toBe('ALARM');
    expect(path.lastConditions()).toEqual(['canary-missing']);
  });

  it('with no canary ever, the condition comes on once the interval plus 15 minutes have passed since the probe\'s first round (after a first deploy, until the MX record exists)', async () => {
    const clock = new ManualClock('2026-01-05T10:00:00.000Z');
    const path = pipeline(clock);
    path.state.ruleMatches = false;
    const states: string[] = [];
    await path.run(60, 4, (at) => states.push(evaluate(alarm, path.published.points, at)));
    expect(states.at(-1)).toBe('OK');
    await path.run(30, 4, (at) => states.push(evaluate(alarm, path.published.points, at)));
    expect(states.at(-1)).toBe('ALARM');
  });
});
