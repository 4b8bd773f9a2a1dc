// CanaryMissing, evaluated as CloudWatch would on the alarm the template
// defines, over the data points the use cases publish with a manual clock: the
// canary function sends hourly (SendCanary), SES receiving hands it to the
// accept step (AcceptMessage, which publishes CanaryRoundTripSeconds) while the
// rule matches, and nothing arrives once it does not (the rule set deactivated
// by another tool: SES still accepts the send). The alarm stays OK while
// canaries arrive (one landing just across a period boundary included), fires
// within the interval plus 15 minutes of the last arrival when the path
// breaks, and returns to OK with the first canary after the repair.
import { describe, expect, it } from 'vitest';
import { InMemoryCanaryKey, InMemoryMessageIndex, InMemoryMessageStore, ManualClock, RecordingDeliveryLog, RecordingMetrics } from '../../../lambdas/adapters/fakes/index.js';
import { parseSesNotification } from '../../../lambdas/adapters/ses/ses-notification.js';
import { AcceptMessage } from '../../../lambdas/core/accept-message.js';
import { CanaryRecogniser } from '../../../lambdas/core/canary/recognise-canary.js';
import { SendCanary } from '../../../lambdas/core/canary/send-canary.js';
import type { Envelope } from '../../../lambdas/core/ports.js';
import { alarmState, type AlarmProperties, type DataPoint } from '../../support/alarm-evaluate.js';
import { sesNotification } from '../../support/ses-events.js';
import { BASE_CONTEXT, buildStack, resources } from './stack-fixture.js';

const ADDRESS = 'canary@canary.example.com';
const MINUTE = 60;

function alarmProperties(): AlarmProperties {
  const { template } = buildStack(BASE_CONTEXT);
  const [alarm] = Object.entries(resources(template, 'AWS::CloudWatch::Alarm')).filter(([id]) => id.startsWith('MonitoringCanaryMissing'));
  return alarm![1].Properties as unknown as AlarmProperties;
}

/** The canary's whole path with fakes: SES receiving delivers to accept `delaySeconds` later while `ruleMatches`. */
function pipeline(clock: ManualClock) {
  const keys = new InMemoryCanaryKey();
  const metrics = new RecordingMetrics();
  const points: DataPoint[] = [];
  const accept = new AcceptMessage({
    index: new InMemoryMessageIndex(),
    store: new InMemoryMessageStore(),
    parse: parseSesNotification,
    log: new RecordingDeliveryLog(),
    clock,
    canary: new CanaryRecogniser(keys, { address: ADDRESS, route: 'corp' }),
    metrics: {
      ...metrics,
      count: () => undefined,
      delay: () => undefined,
      flush: () => undefined,
      // CloudWatch stamps the point with the publishing function's time.
      stackGauge: (_name, value) => void points.push({ at: clock.now(), value }),
    },
  });
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
      each(clock.now());
    }
  }
  return { state, points, run };
}

describe('CanaryMissing (the template\'s alarm over the use cases\' data points, manual clock)', () => {
  const alarm = alarmProperties();

  it('stays OK while hourly canaries arrive, then fires within the interval plus 15 minutes of the last one when the rule stops matching, and clears with the next after the repair', async () => {
    const clock = new ManualClock('2026-01-05T10:00:00.000Z');
    const path = pipeline(clock);
    const states: { at: Date; state: string }[] = [];
    const record = (at: Date) => states.push({ at, state: alarmState(alarm, path.points, at) });

    // Sent at 4 minutes past each hour, each lands in the last minute of a 5-minute period: the periods between have none, and need none.
    await path.run(3 * 60, 4, record);
    expect(path.points.length).toBe(3);
    const settled = states.filter((s) => s.at.getTime() >= Date.parse('2026-01-05T10:05:00Z'));
    expect(settled.every((s) => s.state === 'OK')).toBe(true);

    // 12:04:30 was the last arrival. Break the path.
    path.state.ruleMatches = false;
    states.length = 0;
    await path.run(3 * 60, 4, record);
    const firstAlarm = states.find((s) => s.state === 'ALARM')!.at;
    const lastArrival = path.points.at(-1)!.at;
    const minutesAfter = (firstAlarm.getTime() - lastArrival.getTime()) / 60_000;
    expect(minutesAfter).toBeGreaterThan(60); // never before a canary is even due
    expect(minutesAfter).toBeLessThanOrEqual(60 + 15 + 5); // interval + late limit, to the period
    expect(states.filter((s) => s.at > firstAlarm).every((s) => s.state === 'ALARM')).toBe(true);

    // Repaired: the next canary clears it.
    path.state.ruleMatches = true;
    states.length = 0;
    await path.run(70, 4, record);
    expect(states.at(-1)!.state).toBe('OK');
  });

  it('a canary that arrives later than 15 minutes (or a replayed old one) counts as missing', async () => {
    const clock = new ManualClock('2026-01-05T10:00:00.000Z');
    const path = pipeline(clock);
    path.state.delaySeconds = 20 * MINUTE;
    const states: string[] = [];
    await path.run(4 * 60, 0, (at) => states.push(alarmState(alarm, path.points, at)));
    expect(path.points.length).toBeGreaterThanOrEqual(3);
    expect(path.points.every((p) => p.value >= 20 * MINUTE)).toBe(true);
    expect(states.at(-1)).toBe('ALARM');
  });

  it('with no canary ever, the alarm is in ALARM: missing data is breaching (after a first deploy, until the MX record exists)', () => {
    expect(alarmState(alarm, [], new Date('2026-01-05T10:00:00Z'))).toBe('ALARM');
  });
});
