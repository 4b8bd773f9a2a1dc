// Claim (docs/security.md, "a sender crafting the envelope" and invariants 1
// and 10): mail the primary refuses, with nobody to tell, still reaches a
// person. A recipient the primary refuses with a 5xx, whose sender did not
// authenticate (no SPF PASS: no record, neutral, softfail, a forwarder, a
// list), is "notice suppressed": recorded in the ledger, the queue entry
// deleted, no DSN and no dead letter. Right for spam to unknown users; but a
// primary back misconfigured ("554 5.7.1 Relay access denied" after an egress
// address change, "550 5.1.1 User unknown" with its directory unreachable)
// would make every such message leave the queue with no alarm at all. The
// drain counts the recipients refused since the primary last accepted one in
// the route's delivery record; the probe turns on `primary-refuses-all` at 20
// (the latest within the hour), and Problems-<route> tells a person. A healthy
// primary that refuses spam to unknown users but accepts other mail stays
// quiet. Run on the engine with fakes and the template's alarm, as CloudWatch
// evaluates it. (Found by the issue 17 review; moved to the probe's
// evaluation by issue 18.)
import { beforeAll, describe, expect, it } from 'vitest';
import { metricDimensions, stackMetricDimensions } from '../../lambdas/adapters/aws/powertools-metrics.js';
import { conditionsOf, ROUTE_CONDITIONS } from '../../lambdas/core/problems/conditions.js';
import { REFUSED_WITHOUT_DELIVERY } from '../../lambdas/core/problems/delivery-record.js';
import { alarmOf, evaluate, StampedMetrics, type ModelAlarm } from '../support/cdk/alarm-model.js';
import { harness } from '../support/world/engine-harness.js';
import { buildStack } from '../support/cdk/stack-fixture.js';

const CONTEXT = { region: 'us-east-1', routes: [{ name: 'main', domains: ['example.com'], primary: { host: 'mail.example.com', port: 2525, tls: 'opportunistic' } }] };
let alarm: ModelAlarm;
beforeAll(() => {
  alarm = alarmOf(buildStack(CONTEXT).template, 'MonitoringProblemsmain');
});

function world() {
  const h = harness();
  const metrics = new StampedMetrics(() => h.clock.now(), (route) => metricDimensions('BackupMx', route), () => stackMetricDimensions('BackupMx'));
  Object.assign(h.deps, { metrics });
  h.probe.up('mail.example.com');
  /** Mail from a sender who did not authenticate (SPF GRAY: no record), to `recipients`, drained at once. */
  const unauthenticated = async (recipients: string[]) => {
    await h.arrive({ recipients, verdicts: { spf: 'GRAY', dkim: 'GRAY', dmarc: 'GRAY' } });
    await h.runDrain();
  };
  const refuse = (recipients: string[]) => {
    for (const r of recipients) h.transports.reply(r, { code: 554, enhanced: '5.7.1', text: 'Relay access denied' });
  };
  const probeFor = async (minutes: number) => {
    for (let i = 0; i < minutes; i++) {
      await h.prober().round();
      h.clock.advance(60);
    }
  };
  const conditions = () => conditionsOf(ROUTE_CONDITIONS, metrics.points.filter((p) => p.metricName === 'RouteProblems').at(-1)!.value);
  const state = () => evaluate(alarm, metrics.points, h.clock.now());
  return { h, unauthenticated, refuse, probeFor, conditions, state };
}

const addresses = (n: number, prefix = 'u') => Array.from({ length: n }, (_, i) => `${prefix}${i}@example.com`);

describe('mail the primary refuses with nobody to tell still reaches a person', () => {
  it('a primary refusing everything after it came back: no DSN, no dead letter, and Problems-main goes to ALARM naming primary-refuses-all', async () => {
    const { h, unauthenticated, refuse, probeFor, conditions, state } = world();
    const refused = addresses(REFUSED_WITHOUT_DELIVERY * 2);
    refuse(refused);
    for (let i = 0; i < refused.length; i += 10) await unauthenticated(refused.slice(i, i + 10));
    // Nobody else is told: the refusals are suppressed notices.
    expect(h.bounces.sent).toEqual([]);
    expect(await h.deadLetters.list('main')).toEqual([]);
    await probeFor(5);
    expect(conditions()).toEqual(['primary-refuses-all']);
    expect(state()).toBe('ALARM');
    expect(h.log.lines.some((l) => l.level === 'error' && l.message === 'problem began' && l.fields?.condition === 'primary-refuses-all')).toBe(true);
    // Fixed: the next message is accepted, which ends it.
    await unauthenticated(['fixed@example.com']);
    await probeFor(5);
    expect(conditions()).toEqual([]);
    expect(state()).toBe('OK');
  });

  it('exactly the threshold, nothing delivered: on', async () => {
    const { refuse, unauthenticated, probeFor, conditions } = world();
    const refused = addresses(REFUSED_WITHOUT_DELIVERY);
    refuse(refused);
    await unauthenticated(refused);
    await probeFor(1);
    expect(conditions()).toEqual(['primary-refuses-all']);
  });

  it('one fewer than the threshold: off', async () => {
    const { refuse, unauthenticated, probeFor, conditions, state } = world();
    const refused = addresses(REFUSED_WITHOUT_DELIVERY - 1);
    refuse(refused);
    await unauthenticated(refused);
    await probeFor(5);
    expect(conditions()).toEqual([]);
    expect(state()).toBe('OK');
  });

  it('a healthy primary refusing spam to unknown users while it accepts other mail: off', async () => {
    const { refuse, unauthenticated, probeFor, conditions, state } = world();
    for (let round = 0; round < 4; round++) {
      const spam = addresses(10, `spam${round}-`);
      refuse(spam);
      await unauthenticated(spam);
      await unauthenticated([`real${round}@example.com`]);
    }
    await probeFor(5);
    expect(conditions()).toEqual([]);
    expect(state()).toBe('OK');
  });

  it('refusals that stopped an hour ago no longer keep it on (nothing new to tell)', async () => {
    const { h, refuse, unauthenticated, probeFor, conditions } = world();
    const refused = addresses(REFUSED_WITHOUT_DELIVERY);
    refuse(refused);
    await unauthenticated(refused);
    await probeFor(1);
    expect(conditions()).toEqual(['primary-refuses-all']);
    h.clock.advance(3_600);
    await probeFor(1);
    expect(conditions()).toEqual([]);
  });
});
