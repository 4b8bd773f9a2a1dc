// Invariant 10, end to end on the model: the probe's figures (from the
// engine's records, published on a manual clock) fed to the alarms exactly as
// the synthesized template defines them (test/support/alarm-model.ts). A dead
// letter keeps its alarm in ALARM past SQS's 14 days until a person handles
// it; a probe that cannot read the index, the held notices or the dead letters
// raises the alarms on those figures instead of letting them go to OK.
import { beforeAll, describe, expect, it } from 'vitest';
import { metricDimensions } from '../../../lambdas/adapters/aws/powertools-metrics.js';
import { alarmOf, evaluate, StampedMetrics, type Datapoint, type ModelAlarm } from '../../support/alarm-model.js';
import { harness } from '../core/engine-harness.js';
import { buildStack } from './stack-fixture.js';

const DAY = 86_400;
const CONTEXT = { region: 'us-east-1', routes: [{ name: 'main', domains: ['example.com'], primary: { host: 'mail.example.com', port: 2525, tls: 'opportunistic' } }] };

let alarms: Record<'oldest' | 'backlog' | 'deadLetters' | 'held' | 'primaryDown' | 'dlq', ModelAlarm>;
beforeAll(() => {
  const { template } = buildStack(CONTEXT);
  alarms = {
    oldest: alarmOf(template, 'MonitoringOldestMessagemain'),
    backlog: alarmOf(template, 'MonitoringBacklogmain'),
    deadLetters: alarmOf(template, 'MonitoringDeadLettersmain'),
    held: alarmOf(template, 'MonitoringNoticesHeldmain'),
    primaryDown: alarmOf(template, 'MonitoringPrimaryDownmain'),
    dlq: alarmOf(template, 'MonitoringDeadLetterQueueNotEmpty'),
  };
});

/** The engine on fakes, its probe publishing stamped figures every minute. */
function world() {
  const h = harness();
  const metrics = new StampedMetrics(() => h.clock.now(), (route) => metricDimensions('BackupMx', route));
  Object.assign(h.deps, { metrics });
  h.probe.up('mail.example.com');
  const probeFor = async (minutes: number) => {
    for (let i = 0; i < minutes; i++) {
      await h.prober().round();
      h.clock.advance(60);
    }
  };
  const state = (alarm: ModelAlarm, points: Datapoint[] = metrics.points) => evaluate(alarm, points, h.clock.now());
  return { h, metrics, probeFor, state };
}

describe('the dead-letter alarm is fed from the records, not from the DLQ', () => {
  it('stays in ALARM past SQS\'s 14 days until the record is handled, then goes to OK', async () => {
    const { h, probeFor, state } = world();
    const { messageId } = await h.arrive({ verdicts: { virus: 'FAIL' } });
    await h.runDrain(); // quarantined: a dead letter
    expect(await h.deadLetters.list('main')).toHaveLength(1);
    await probeFor(10);
    expect(state(alarms.deadLetters)).toBe('ALARM');

    h.clock.advance(15 * DAY);
    await probeFor(10);
    expect(state(alarms.deadLetters)).toBe('ALARM');
    // What SQS's view says by then: the DLQ dropped the message after 14 days, and its alarm went to OK.
    const sqsView: Datapoint[] = [{ metricName: alarms.dlq.metricName, dimensions: alarms.dlq.dimensions, value: 0, at: new Date(h.clock.now().getTime() - 60_000) }];
    expect(state(alarms.dlq, sqsView)).toBe('OK');

    // A person handles it (`backup-mx delete` or `requeue` removes the record).
    await h.deadLetters.remove(messageId);
    await probeFor(10);
    expect(state(alarms.deadLetters)).toBe('OK');
  });
});

describe('a figure the probe cannot read is an alarm, not silence', () => {
  it('a healthy, empty route: every alarm on the probe\'s figures is OK', async () => {
    const { probeFor, state } = world();
    await probeFor(30);
    for (const alarm of [alarms.oldest, alarms.backlog, alarms.deadLetters, alarms.held, alarms.primaryDown]) expect(state(alarm), alarm.id).toBe('OK');
  });

  it('the index cannot be read: OldestMessage and Backlog go to ALARM, an error line says why, and they clear once it reads again', async () => {
    const { h, probeFor, state } = world();
    await probeFor(10);
    const queuedStats = h.index.queuedStats.bind(h.index);
    h.index.queuedStats = async () => {
      throw new Error('AccessDeniedException: not authorized to perform dynamodb:Query on index byRoute');
    };
    await probeFor(10);
    expect(state(alarms.oldest)).toBe('ALARM');
    expect(state(alarms.backlog)).toBe('ALARM');
    expect(h.log.lines.some((l) => l.level === 'error' && l.message === 'could not read the message index')).toBe(true);
    // The other figures still come: the alarms say which read failed.
    expect(state(alarms.deadLetters)).toBe('OK');
    expect(state(alarms.primaryDown)).toBe('OK');
    h.index.queuedStats = queuedStats;
    await probeFor(10);
    expect(state(alarms.oldest)).toBe('OK');
    expect(state(alarms.backlog)).toBe('OK');
  });

  it('the dead letters or the held notices cannot be counted: their alarm goes to ALARM', async () => {
    const { h, probeFor, state } = world();
    h.deadLetters.failCount = new Error('ThrottlingException');
    h.heldNotices.count = async () => Promise.reject(new Error('ThrottlingException'));
    await probeFor(10);
    expect(state(alarms.deadLetters)).toBe('ALARM');
    expect(state(alarms.held)).toBe('ALARM');
    expect(state(alarms.oldest)).toBe('OK');
  });

  it('the probe does not run at all: every alarm on its figures goes to ALARM', async () => {
    const { h, probeFor, state } = world();
    await probeFor(10);
    h.clock.advance(3_600);
    for (const alarm of [alarms.oldest, alarms.backlog, alarms.deadLetters, alarms.held, alarms.primaryDown]) expect(state(alarm), alarm.id).toBe('ALARM');
  });
});
