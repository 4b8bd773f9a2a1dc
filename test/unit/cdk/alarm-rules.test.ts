// The alarm rule (invariant 10, docs/alarms.md), checked on every alarm of the
// synthesized template: an alarm about waiting, stuck or dead-lettered mail
// treats missing data as breaching, or its figures are event counts (published
// only when something happens, so no data is normal) and it names the
// breaching alarms that fire when their publisher stops. The exceptions (not
// about mail, or no heartbeat of the stack covers them) are listed with the
// reason. A new alarm fails this test until it is given a row. The shipped
// defaults (canary on) with two routes.
import { describe, expect, it } from 'vitest';
import { BASE_CONTEXT, buildStack, resources } from './stack-fixture.js';

type Rule =
  | { missingData: 'breaching' }
  | { heartbeat: string[]; why: string }
  | { exception: string };

/** Heartbeats named per route run for the same route; a stack-wide alarm's for every route. */
const RULES: Record<string, Rule> = {
  OldestMessage: { missingData: 'breaching' },
  Backlog: { missingData: 'breaching' },
  DeadLetters: { missingData: 'breaching' },
  PrimaryDown: { missingData: 'breaching' },
  NoticesHeld: { missingData: 'breaching' },
  OrphanedQueueMessages: { missingData: 'breaching' },
  CanaryMissing: { missingData: 'breaching' },
  DeliveriesFailing: {
    heartbeat: ['PrimaryDown', 'OldestMessage'],
    why: 'its figures are the drain\'s counts, which exist only while a drain runs; its "up" term is PrimaryUp, whose silence PrimaryDown reads as down, and drains that stop leave mail waiting for OldestMessage',
  },
  PrimaryRefusesAll: { heartbeat: ['OldestMessage'], why: 'the drain\'s per-recipient counts, published only when it delivers or is refused: drains that stop leave mail waiting for OldestMessage' },
  Errorsprobe: { heartbeat: ['PrimaryDown'], why: 'Lambda publishes Errors only for invocations: a probe that is not invoked publishes no PrimaryUp, which PrimaryDown reads as down' },
  Errorsdrain: { heartbeat: ['OldestMessage'], why: 'Lambda publishes Errors only for invocations: a drain that is never invoked leaves indexed mail waiting for OldestMessage' },
  DeadLetterQueueNotEmpty: {
    heartbeat: ['DeadLetters'],
    why: 'SQS\'s view, kept as a second signal (the only one for a message SQS itself redrove): an idle empty DLQ publishes nothing, so missing data cannot be breaching here; the records of the same dead letters are counted into DeadLetters',
  },
  NotificationsFailed: {
    exception:
      'an event count SNS publishes only when it redrove (or failed to redrive) a notification: no data is no failure. The canary covers the first route\'s topic end to end (CanaryMissing), not the other routes\' topics, so it is no heartbeat of every route\'s',
  },
  Errorsaccept: {
    heartbeat: ['CanaryMissing'],
    why: 'Lambda publishes Errors only for invocations: the canary\'s round trip is measured by accept, so an accept that is not invoked, or fails every time, leaves CanaryMissing without its figure (with "canary": false it has no heartbeat)',
  },
  NoticeBounceRate: { exception: 'SES reputation of the notices: SES publishes the rates only once there were bounces or complaints' },
  NoticeComplaintRate: { exception: 'SES reputation of the notices, as NoticeBounceRate' },
  AccountBounceRate: { exception: 'SES reputation of the whole account, as NoticeBounceRate' },
  AccountComplaintRate: { exception: 'SES reputation of the whole account, as NoticeBounceRate' },
  Errorspausenotices: { exception: 'the pause function runs only for the reputation alarms and their check' },
  TriggerRefused: { exception: 'calls to the public trigger URL that were refused: no calls is normal, and delivery never needs the trigger (the probe starts it)' },
  Errorstrigger: { exception: 'the public trigger\'s own failures: no calls is normal, and delivery never needs the trigger' },
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
    expect(alarms.length).toBeGreaterThan(15);
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

  it('each route has its own alarms on the waiting, stuck and dead-lettered mail, all breaching on missing data', () => {
    for (const route of ROUTES) {
      for (const name of ['OldestMessage', 'Backlog', 'DeadLetters', 'PrimaryDown', 'NoticesHeld']) {
        expect(find(name, route).map((a) => a.missing), `${name} ${route}`).toEqual(['breaching']);
      }
    }
  });
});
