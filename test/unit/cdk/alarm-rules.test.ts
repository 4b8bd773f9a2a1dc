// The alarm rule (invariant 10, docs/alarms.md), checked on every alarm of the
// synthesized template: an alarm about waiting, stuck or dead-lettered mail
// treats missing data as breaching, or its figures are event counts (published
// only when something happens, so no data is normal) and it names the
// breaching alarms that fire when their publisher stops. The exceptions (not
// about mail, or no heartbeat of the stack covers them) are listed with the
// reason. A new alarm fails this test until it is given a row. The shipped
// defaults (canary on) with two routes.
import { describe, expect, it } from 'vitest';
import { BASE_CONTEXT, buildStack, resources } from '../../support/cdk/stack-fixture.js';

type Rule =
  | { missingData: 'breaching' }
  | { heartbeat: string[]; why: string }
  | { exception: string };

/** Heartbeats named per route run for the same route; a stack-wide alarm's for every route. */
const RULES: Record<string, Rule> = {
  // The probe's verdict on every condition of the alarm table (core/problems), one figure per scope.
  Problems: { missingData: 'breaching' },
  StackProblems: { missingData: 'breaching' },
  ErrorLines: {
    heartbeat: ['Problems', 'StackProblems'],
    why: 'a log metric filter publishes only when an ERROR line, a timeout or a crash is written: a function that never runs writes none, and then the probe (a silent probe is missing RouteProblems and StackProblems), the drain (mail left waiting: oldest-message) or accept (canary-missing) shows it',
  },
  NewProblem: {
    heartbeat: ['Problems', 'StackProblems'],
    why: 'a log metric filter counts the probe\'s "problem began" lines, written only when a condition begins: a probe that stops announcing has stopped publishing RouteProblems and StackProblems too, which those alarms read as breaching',
  },
  NoticeBounceRate: { exception: 'SES reputation of the notices: SES publishes the rates only once there were bounces or complaints' },
  NoticeComplaintRate: { exception: 'SES reputation of the notices, as NoticeBounceRate' },
  AccountBounceRate: { exception: 'SES reputation of the whole account, as NoticeBounceRate' },
  AccountComplaintRate: { exception: 'SES reputation of the whole account, as NoticeBounceRate' },
  TriggerRefused: { exception: 'calls to the public trigger URL that were refused: no calls is normal, and delivery never needs the trigger (the probe starts it)' },
  // Only with a synced route (recipient-sync-alarms.test.ts).
  RuleWriterFailed: { exception: 'the recipient rule writer runs only after a push: no invocations is normal, and a list whose rules stay pending shows in status' },
  RecipientPushRefused: { exception: 'calls to the public recipient push URL that were refused: no pushes is normal, and delivery never needs a push' },
  RecipientsRemoved: { exception: 'addresses removed by a recipient push: no pushes is normal (the list stays as it was)' },
};

const ROUTES = ['corp', 'two'];
const CONTEXT = { ...BASE_CONTEXT, routes: [...BASE_CONTEXT.routes, { ...BASE_CONTEXT.routes[0]!, name: 'two', domains: ['example.net'] }] };

/** Logical id → the rule's name and the route it is for (ids are Monitoring<Name><route><hash>). */
function parse(id: string): { name: string; route?: string } {
  const stem = id.replace(/^Monitoring/, '').replace(/[0-9A-F]{8}$/, '');
  const route = ROUTES.find((r) => stem.endsWith(r) && RULES[stem.slice(0, -r.length)] !== undefined);
  return route ? { name: stem.slice(0, -route.length), route } : { name: stem };
}

describe('every alarm follows the alarm rule (two routes)', () => {
  const { template } = buildStack(CONTEXT);
  const alarms = Object.entries(resources(template, 'AWS::CloudWatch::Alarm')).map(([id, a]) => ({ id, ...parse(id), missing: a.Properties!.TreatMissingData as string }));
  const find = (name: string, route?: string) => alarms.filter((a) => a.name === name && (route === undefined || a.route === route));

  it('every alarm has a row: a new alarm must be classified here', () => {
    expect(alarms.length).toBe(8 + ROUTES.length);
    expect(alarms.filter((a) => RULES[a.name] === undefined).map((a) => a.id)).toEqual([]);
  });

  it.each(alarms.map((a) => [a.id, a] as const))('%s', (_id, alarm) => {
    const rule = RULES[alarm.name]!;
    if ('missingData' in rule) {
      expect(alarm.missing).toBe('breaching');
    } else if ('heartbeat' in rule) {
      expect(rule.why.length).toBeGreaterThan(40);
      for (const name of rule.heartbeat) {
        // Per route: that route's heartbeat; stack-wide: every route's, or the one stack-wide alarm.
        const perRoute = find(name).some((b) => b.route !== undefined);
        const beats = alarm.route ? find(name, alarm.route) : find(name);
        expect(beats.length, `${alarm.id}: heartbeat ${name}`).toBe(alarm.route || !perRoute ? 1 : ROUTES.length);
        for (const beat of beats) expect(beat.missing, `${beat.id} (heartbeat of ${alarm.id})`).toBe('breaching');
      }
    } else {
      expect(rule.exception.length).toBeGreaterThan(40);
    }
  });

  it('each route has its own Problems alarm, breaching on missing data, and the stack one StackProblems', () => {
    for (const route of ROUTES) expect(find('Problems', route).map((a) => a.missing), route).toEqual(['breaching']);
    expect(find('StackProblems').map((a) => a.missing)).toEqual(['breaching']);
  });
});
