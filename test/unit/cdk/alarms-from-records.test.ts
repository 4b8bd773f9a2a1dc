// Invariant 10, end to end on the model: the probe's verdicts (RouteProblems
// and StackProblems, evaluated from the engine's records and published on a
// manual clock) fed to the alarms exactly as the synthesized template defines
// them (test/support/alarm-model.ts). A dead letter keeps its route's alarm in
// ALARM past SQS's 14 days until a person handles it; a probe that cannot read
// the index, the held notices or the dead letters raises the alarm instead of
// letting it go to OK; a probe that does not run raises every one.
import { beforeAll, describe, expect, it } from 'vitest';
import { metricDimensions, stackMetricDimensions } from '../../../lambdas/adapters/aws/powertools-metrics.js';
import { conditionsOf, ROUTE_CONDITIONS } from '../../../lambdas/core/problems/conditions.js';
import { alarmOf, evaluate, StampedMetrics, type Datapoint, type ModelAlarm } from '../../support/cdk/alarm-model.js';
import { harness } from '../../support/world/engine-harness.js';
import { buildStack } from '../../support/cdk/stack-fixture.js';

const DAY = 86_400;
const CONTEXT = { region: 'us-east-1', routes: [{ name: 'main', domains: ['example.com'], primary: { host: 'mail.example.com', port: 2525, tls: 'opportunistic' } }] };

let alarms: Record<'route' | 'stack', ModelAlarm>;
beforeAll(() => {
  const { template } = buildStack(CONTEXT);
  alarms = { route: alarmOf(template, 'MonitoringProblemsmain'), stack: alarmOf(template, 'MonitoringStackProblems') };
});

/** The engine on fakes, its probe publishing stamped verdicts every minute. */
function world() {
  const h = harness();
  const metrics = new StampedMetrics(
    () => h.clock.now(),
    (route) => metricDimensions('BackupMx', route),
    () => stackMetricDimensions('BackupMx'),
  );
  Object.assign(h.deps, { metrics });
  h.probe.up('mail.example.com');
  const probeFor = async (minutes: number) => {
    for (let i = 0; i < minutes; i++) {
      await h.prober().round();
      h.clock.advance(60);
    }
  };
  const state = (alarm: ModelAlarm, points: Datapoint[] = metrics.points) => evaluate(alarm, points, h.clock.now());
  /** The conditions the last RouteProblems figure stands for: what `status` and the alarm's e-mail say. */
  const conditions = () => conditionsOf(ROUTE_CONDITIONS, metrics.points.filter((p) => p.metricName === 'RouteProblems').at(-1)!.value);
  return { h, metrics, probeFor, state, conditions };
}

describe('the dead letters are counted from the records, not from the DLQ', () => {
  it('Problems-main stays in ALARM past SQS\'s 14 days until the record is handled, then goes to OK', async () => {
    const { h, probeFor, state, conditions } = world();
    const { messageId } = await h.arrive({ verdicts: { virus: 'FAIL' } });
    await h.runDrain(); // quarantined: a dead letter
    expect(await h.deadLetters.list('main')).toHaveLength(1);
    await probeFor(10);
    expect(state(alarms.route)).toBe('ALARM');
    expect(conditions()).toEqual(['dead-letters']);
    expect(h.log.lines.some((l) => l.level === 'error' && l.message === 'problem began' && l.fields?.condition === 'dead-letters')).toBe(true);

    h.clock.advance(15 * DAY);
    await probeFor(10);
    expect(state(alarms.route)).toBe('ALARM');
    expect(conditions()).toEqual(['dead-letters']);

    // A person handles it (`backup-mx delete` or `requeue` removes the record).
    await h.deadLetters.remove(messageId);
    await probeFor(10);
    expect(state(alarms.route)).toBe('OK');
    expect(conditions()).toEqual([]);
  });

  it('SQS\'s view (the DLQ\'s depth) is the stack\'s condition: on while a message is there', async () => {
    const { h, probeFor, state } = world();
    await probeFor(5);
    expect(state(alarms.stack)).toBe('OK');
    h.deadLetterQueue.messages = 1;
    await probeFor(5);
    expect(state(alarms.stack)).toBe('ALARM');
    h.deadLetterQueue.messages = 0;
    await probeFor(5);
    expect(state(alarms.stack)).toBe('OK');
  });
});

describe('a figure the probe cannot read is an alarm, not silence', () => {
  it('a healthy, empty route: both alarms are OK', async () => {
    const { probeFor, state, conditions } = world();
    await probeFor(30);
    expect(state(alarms.route)).toBe('OK');
    expect(state(alarms.stack)).toBe('OK');
    expect(conditions()).toEqual([]);
  });

  it('the index cannot be read: Problems-main goes to ALARM (unreadable), an error line says why, and it clears once it reads again', async () => {
    const { h, probeFor, state, conditions } = world();
    await probeFor(10);
    const queuedStats = h.index.queuedStats.bind(h.index);
    h.index.queuedStats = async () => {
      throw new Error('AccessDeniedException: not authorized to perform dynamodb:Query on index byRoute');
    };
    await probeFor(10);
    expect(state(alarms.route)).toBe('ALARM');
    expect(conditions()).toEqual(['unreadable']);
    expect(h.log.lines.some((l) => l.level === 'error' && l.message === 'could not read the message index')).toBe(true);
    h.index.queuedStats = queuedStats;
    await probeFor(10);
    expect(state(alarms.route)).toBe('OK');
  });

  it('the dead letters or the held notices cannot be counted: the alarm goes to ALARM', async () => {
    const { h, probeFor, state, conditions } = world();
    h.deadLetters.failCount = new Error('ThrottlingException');
    h.heldNotices.count = async () => Promise.reject(new Error('ThrottlingException'));
    await probeFor(10);
    expect(state(alarms.route)).toBe('ALARM');
    expect(conditions()).toEqual(['unreadable']);
  });

  it('the probe does not run at all: both alarms go to ALARM', async () => {
    const { h, probeFor, state } = world();
    await probeFor(10);
    expect(state(alarms.route)).toBe('OK');
    h.clock.advance(3_600);
    expect(state(alarms.route)).toBe('ALARM');
    expect(state(alarms.stack)).toBe('ALARM');
  });

  it('a primary down for primaryDownMinutes is on, and the alarm follows within three minutes', async () => {
    const { h, probeFor, state, conditions } = world();
    await probeFor(5);
    h.probe.down('mail.example.com');
    await probeFor(14);
    expect(state(alarms.route)).toBe('OK');
    await probeFor(4);
    expect(conditions()).toEqual(['primary-down']);
    expect(state(alarms.route)).toBe('ALARM');
  });
});
