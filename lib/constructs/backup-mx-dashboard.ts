// The CloudWatch dashboard, on request (`"dashboard": true`; $3 a month past
// an account's first three): the alarms' states and the detailed figures the
// probe then publishes as metrics (powertools-metrics.ts: DETAILED_FIGURES),
// which cost $0.30 each a month and are log fields otherwise.
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DEAD_LETTERS_METRIC, METRICS_NAMESPACE, metricDimensions, OLDEST_QUEUED_AGE_METRIC, QUEUED_MESSAGES_METRIC } from '../../lambdas/adapters/aws/powertools-metrics.js';
import type { RouteConfig } from '../config/backup-mx-config.js';
import { alarmStatusWidgets } from './alarm-status-widgets.js';

/** PrimaryUp (1 up / 0 down), per route: a detailed figure, a metric only with the dashboard. */
export const PRIMARY_UP_METRIC = 'PrimaryUp';

export interface DashboardProps {
  dashboardName: string;
  routes: RouteConfig[];
  alarms: cloudwatch.IAlarm[];
  deadLetterQueue: sqs.IQueue;
  errorLines: cloudwatch.IMetric;
}

export function backupMxDashboard(scope: Construct, props: DashboardProps): cloudwatch.Dashboard {
  const { stackName } = Stack.of(scope);
  const figure = (metricName: string, route: string, period = Duration.minutes(5)) =>
    new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: metricDimensions(stackName, route), period, statistic: 'Maximum' });
  const routeWidgets = props.routes.flatMap(({ name }) => [
    new cloudwatch.GraphWidget({ title: `${name}: oldest message (s)`, left: [figure(OLDEST_QUEUED_AGE_METRIC, name)], width: 8 }),
    new cloudwatch.GraphWidget({ title: `${name}: messages waiting`, left: [figure(QUEUED_MESSAGES_METRIC, name)], width: 8 }),
    new cloudwatch.GraphWidget({ title: `${name}: primary up`, left: [figure(PRIMARY_UP_METRIC, name, Duration.minutes(1))], width: 8, leftYAxis: { min: 0, max: 1 } }),
  ]);
  const dlqDepth = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' });
  return new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: props.dashboardName,
    widgets: [
      ...alarmStatusWidgets(props.alarms),
      routeWidgets,
      [
        new cloudwatch.GraphWidget({
          title: 'Dead letters: records per route, and the DLQ (SQS)',
          left: [...props.routes.map(({ name }) => figure(DEAD_LETTERS_METRIC, name).with({ label: `${name}: records` })), dlqDepth.with({ label: 'DLQ (SQS)' })],
          width: 12,
        }),
        new cloudwatch.GraphWidget({ title: 'ERROR lines, timeouts and crashes (all functions)', left: [props.errorLines], width: 12 }),
      ],
    ],
  });
}
