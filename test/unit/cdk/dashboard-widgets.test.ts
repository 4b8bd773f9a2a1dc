// CloudWatch refuses a dashboard whose alarm status widget holds more than
// 100 alarms, and with it the whole deploy. The alarms are spread over widgets
// of at most ALARMS_PER_STATUS_WIDGET, each alarm in exactly one. The
// dashboard is on request (`"dashboard": true`); a route takes 9
// CloudFormation resources, so 43 routes fit under the 500 a stack may hold.
import { App, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { describe, expect, it } from 'vitest';
import { parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';
import { BackupMxStack } from '../../../lib/backup-mx-stack.js';
import { ALARMS_PER_STATUS_WIDGET } from '../../../lib/constructs/alarm-status-widgets.js';
import { buildStack, CDK_JSON_FLAGS, resources } from '../../support/cdk/stack-fixture.js';

const routes = (count: number, dashboard = true) => ({
  region: 'us-east-1',
  dashboard,
  routes: Array.from({ length: count }, (_, i) => ({ name: `r${i + 1}`, domains: [`d${i + 1}.example.com`], primary: { host: 'mx.example.net', port: 587 } })),
});

interface AlarmWidget {
  title: string;
  alarms: string[];
  height: number;
}

/** The alarm status widgets of a dashboard body, alarm ARNs written as the alarm's logical id. */
function alarmWidgets(body: unknown): AlarmWidget[] {
  const parts = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  const text = parts.map((p) => (typeof p === 'string' ? p : (p as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0] ?? 'TOKEN')).join('');
  const widgets = (JSON.parse(text) as { widgets: { type: string; height: number; properties: { title: string; alarms?: string[] } }[] }).widgets;
  return widgets.filter((w) => w.properties.alarms).map((w) => ({ title: w.properties.title, alarms: w.properties.alarms!, height: w.height }));
}

describe('dashboard alarm widgets', () => {
  it('one route: one widget with every alarm', () => {
    const { template } = buildStack(routes(1));
    const alarmIds = Object.keys(resources(template, 'AWS::CloudWatch::Alarm'));
    const widgets = alarmWidgets(Object.values(resources(template, 'AWS::CloudWatch::Dashboard'))[0]!.Properties!.DashboardBody);
    expect(widgets).toHaveLength(1);
    expect(widgets[0]!.title).toBe('Alarms');
    expect(widgets[0]!.alarms.sort()).toEqual(alarmIds.sort());
  });

  it('no dashboard unless asked for: none in the template, no DashboardUrl output, the detailed figures stay log fields', () => {
    const { template } = buildStack(routes(1, false));
    expect(Object.keys(resources(template, 'AWS::CloudWatch::Dashboard'))).toEqual([]);
    expect(Object.keys(template.findOutputs('DashboardUrl'))).toEqual([]);
    for (const fn of Object.values(resources(template, 'AWS::Lambda::Function'))) {
      expect((fn.Properties?.Environment as { Variables?: Record<string, string> } | undefined)?.Variables?.BACKUPMX_DETAILED_METRICS).toBeUndefined();
    }
  });

  it('34 routes synthesize (9 resources each, under 500), the alarms spread over widgets of at most 100', () => {
    const { template } = buildStack(routes(34));
    expect(Object.keys(template.toJSON().Resources).length).toBeLessThanOrEqual(500);
    const alarmIds = Object.keys(resources(template, 'AWS::CloudWatch::Alarm'));
    const widgets = alarmWidgets(Object.values(resources(template, 'AWS::CloudWatch::Dashboard'))[0]!.Properties!.DashboardBody);
    expect(widgets.length).toBe(Math.ceil(alarmIds.length / ALARMS_PER_STATUS_WIDGET));
    for (const widget of widgets) expect(widget.alarms.length).toBeLessThanOrEqual(ALARMS_PER_STATUS_WIDGET);
    // Each alarm in exactly one widget.
    expect(widgets.flatMap((w) => w.alarms).sort()).toEqual(alarmIds.sort());
    expect(ALARMS_PER_STATUS_WIDGET).toBe(100);
  });

  it('the alarms of 100 routes (built without synth: more than a stack may hold) spread over widgets of at most 100', () => {
    const app = new App({ context: { ...CDK_JSON_FLAGS, 'aws:cdk:bundling-stacks': [] } });
    const stack = new BackupMxStack(app, 'BackupMx', { config: parseBackupMxConfig(routes(100)) });
    const dashboard = stack.node.findAll().find((c) => (c as { cfnResourceType?: string }).cfnResourceType === 'AWS::CloudWatch::Dashboard') as cloudwatch.CfnDashboard;
    const widgets = alarmWidgets(Stack.of(dashboard).resolve(dashboard.dashboardBody));
    const alarms = stack.node.findAll().filter((c) => (c as { cfnResourceType?: string }).cfnResourceType === 'AWS::CloudWatch::Alarm').length;
    expect(alarms).toBeGreaterThan(ALARMS_PER_STATUS_WIDGET);
    expect(widgets.length).toBe(Math.ceil(alarms / ALARMS_PER_STATUS_WIDGET));
    for (const widget of widgets) expect(widget.alarms.length).toBeLessThanOrEqual(ALARMS_PER_STATUS_WIDGET);
    expect(widgets.reduce((n, w) => n + w.alarms.length, 0)).toBe(alarms);
  });

});
