// The idle cost per month is read off the synthesized template (lib/cost/idle-cost.ts),
// and the README's table says what it reads: a change that adds an alarm, a
// schedule or a key changes these figures, and this test until the README follows.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { idleCost, stackIdleCost } from '../../../lib/cost/idle-cost.js';
import { BASE_CONTEXT, buildStack } from '../../support/cdk/stack-fixture.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const idleSection = readme.slice(readme.indexOf('## What it costs while idle'), readme.indexOf('When mail flows'));
const twoRoutes = { ...BASE_CONTEXT, routes: [...BASE_CONTEXT.routes, { ...BASE_CONTEXT.routes[0]!, name: 'two', domains: ['example.net'] }] };

describe('idle cost per month, from the template', () => {
  it('the README states the shipped configuration\'s figures', async () => {
    const idle = await stackIdleCost();
    const count = (item: string) => idle.lines.find((l) => l.item.startsWith(item))!.count;
    expect(idle.routes).toBe(1);
    expect(idleSection).toContain(`${idle.alarms} alarms for one route`);
    expect(idleSection).toContain(`reading ${idle.alarmMetrics} metrics`);
    expect(idleSection).toContain(`${count('custom metrics')} custom metrics published while idle`);
    expect(idleSection).toContain(`${count('scheduled Lambda runs').toLocaleString('en-US')} runs`);
    expect(idleSection).toContain(`about **$${idle.totalDollarsPerMonth.toFixed(2)} a month**`);
  });

  it('one route, no egress, the canary on: at most $2.00 a month, every alarm condition kept (README\'s alarm table)', async () => {
    const idle = await stackIdleCost();
    expect(idle.totalDollarsPerMonth).toBeLessThanOrEqual(2);
    // No dashboard, no KMS key, no secret of the stack's own by default.
    expect(idle.lines.map((l) => l.item)).not.toEqual(expect.arrayContaining([expect.stringMatching(/dashboard|KMS|Secrets Manager/)]));
    expect(idle.lines.find((l) => l.item.startsWith('canary round trips'))).toBeDefined();
  });

  it('the dashboard adds $3 and the detailed figures it graphs (5 per route, the orphaned queues and the canary: $0.30 each)', () => {
    const base = idleCost(buildStack().template);
    const withDashboard = idleCost(buildStack({ ...BASE_CONTEXT, dashboard: true }).template);
    expect(withDashboard.lines.find((l) => l.item.startsWith('detailed figures'))!.count).toBe(7);
    expect(withDashboard.totalDollarsPerMonth - base.totalDollarsPerMonth).toBeCloseTo(3 + 7 * 0.3, 2);
    expect(withDashboard.alarmMetrics).toBe(base.alarmMetrics);
  });

  it('a probe interval under a minute is priced as a probe that runs the whole minute', () => {
    const base = idleCost(buildStack().template);
    const fast = idleCost(buildStack({ ...BASE_CONTEXT, probeIntervalSeconds: 10 }).template);
    const runs = (c: typeof base) => c.lines.find((l) => l.item.startsWith('scheduled Lambda runs'))!.dollarsPerMonth;
    // 43,800 runs of 60 s at 256 MB, arm64: about $8.76 more than runs of 1 s.
    expect(runs(fast) - runs(base)).toBeCloseTo((43_800 * 59 * 0.25 * 0.0000133334), 1);
  });

  it('the probe\'s health record: one DynamoDB write a minute per route (43,800 a month, $0.03), so status can show the last probe', () => {
    const writes = (c: ReturnType<typeof idleCost>) => c.lines.find((l) => l.item.startsWith('the probe\'s health record'))!;
    expect(writes(idleCost(buildStack().template))).toEqual({ item: expect.any(String), count: 43_800, dollarsPerMonth: 0.03 });
    expect(writes(idleCost(buildStack(twoRoutes).template)).count).toBe(87_600);
  });

  it('encryptTopics adds the KMS key ($1)', () => {
    const base = idleCost(buildStack().template).totalDollarsPerMonth;
    expect(idleCost(buildStack({ ...BASE_CONTEXT, encryptTopics: true }).template).totalDollarsPerMonth - base).toBeCloseTo(1, 2);
  });

  it('the README states what each further route adds', () => {
    const one = idleCost(buildStack().template);
    const two = idleCost(buildStack(twoRoutes).template);
    expect(idleSection).toContain(`(${two.alarms - one.alarms} per route plus ${2 * one.alarms - two.alarms} shared)`);
    expect(idleSection).toContain(`(${two.alarmMetrics - one.alarmMetrics} per route)`);
    expect(idleSection).toContain(`each further route ~$${(two.totalDollarsPerMonth - one.totalDollarsPerMonth).toFixed(2)}`);
  });

  it('an egress mode adds its instance or NAT gateway and its Elastic IP', () => {
    const base = idleCost(buildStack().template).totalDollarsPerMonth;
    const instance = idleCost(buildStack({ ...BASE_CONTEXT, egress: 'vpc-nat-instance' }).template);
    expect(instance.lines.map((l) => l.item)).toEqual(expect.arrayContaining([expect.stringMatching(/^NAT instance/), 'Elastic IP']));
    expect(instance.totalDollarsPerMonth - base).toBeCloseTo(7.35, 1);
  });

  it('alarm channels cost nothing while idle (subscriptions and actions are free; an SMS is billed when sent), and the README says so', () => {
    const base = idleCost(buildStack().template);
    const channels = idleCost(
      buildStack({
        ...BASE_CONTEXT,
        alarmEmail: 'ops@alerts.example.net',
        alarms: { webhookUrls: ['https://ntfy.sh/backupmx-7f3a9c2e'], smsNumbers: ['+14155550123'], topicArns: ['arn:aws:sns:us-east-1:123456789012:ops'] },
      }).template,
    );
    expect(channels.totalDollarsPerMonth).toBe(base.totalDollarsPerMonth);
    expect(channels.alarmMetrics).toBe(base.alarmMetrics);
    expect(idleSection).toMatch(/alarm channels[^|]*\|[^|]*\| \$0/i);
  });
});
