// Alarms that mean "mail is stuck or at risk", sent to one alarm topic (whose
// channels, alarm-channels.ts, reach people), and a dashboard showing the same
// figures. The rule for every alarm about waiting, stuck or dead-lettered
// mail (invariant 10, docs/alarms.md, test/unit/cdk/alarm-rules.test.ts): it is
// fed from the project's own records (the index, the dead-letter records, the
// held notices) by the probe every minute, and a figure that stops coming is
// breaching; an alarm on an event count (published only when something
// happens) names the breaching alarm that fires when its publisher stops.
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { BackupMxConfig, RouteConfig } from '../config/backup-mx-config.js';
import {
  DEAD_LETTERS_METRIC,
  DRAIN_STOPPED_METRIC,
  drainStopDimensions,
  METRICS_NAMESPACE,
  metricDimensions,
  OLDEST_QUEUED_AGE_METRIC,
  ORPHANED_QUEUE_MESSAGES_METRIC,
  QUEUED_MESSAGES_METRIC,
  stackMetricDimensions,
  TRIGGER_REFUSED_METRIC,
} from '../../lambdas/adapters/aws/powertools-metrics.js';
import { AlarmChannels } from './alarm-channels.js';
import { alarmSourceConditions, stackAlarmName } from './alarm-names.js';
import { alarmStatusWidgets } from './alarm-status-widgets.js';
import type { BackupMxFunction } from './backup-mx-function.js';
import { noticeAlarms } from './notice-alarms.js';
import { canaryAlarm } from './canary-alarm.js';
import type { NoticeSending } from './notice-sending.js';
import type { RouteChannel } from './route-queues.js';

/**
 * The probe publishes PrimaryUp (1 up / 0 down) per route in METRICS_NAMESPACE,
 * with the dimension set metricDimensions() gives (service, stack, route):
 * CloudWatch only matches a metric whose dimensions are exactly those, so both
 * sides use that function.
 */
export const PRIMARY_UP_METRIC = 'PrimaryUp';
/** Refused or throttled trigger calls per five minutes above which a period counts (one every 5 s). */
export const TRIGGER_REFUSED_PER_PERIOD = 60;
/** Five-minute periods in a row above that before TriggerRefused fires: a flood, not one bad hook run. */
export const TRIGGER_REFUSED_PERIODS = 3;
/** Five-minute periods in a row with session failures while the primary is up before DeliveriesFailing fires. */
export const DELIVERIES_FAILING_PERIODS = 3;
/**
 * Hours in a row without the hourly orphaned-queue figure before its alarm
 * fires: an hourly run may land on either side of an hour's boundary, so one
 * empty hour is no failure; two are.
 */
export const ORPHANED_QUEUE_SILENT_HOURS = 2;

export { alarmSourceConditions, stackAlarmName } from './alarm-names.js';

export interface MonitoringProps {
  config: BackupMxConfig;
  channels: RouteChannel[];
  deadLetterQueue: sqs.IQueue;
  functions: { name: string; fn: BackupMxFunction }[];
  /** The public "I'm back" function: an alarm on a sustained rate of refused or throttled calls. */
  trigger?: BackupMxFunction;
  /** Encrypts the alarm topic (`encryptTopics`); absent: SNS's default. */
  topicKey?: kms.IKey;
  /** The notices' SES configuration set: its reputation alarms pause it (notice-alarms.ts). */
  notices?: NoticeSending;
}

export class Monitoring extends Construct {
  readonly alarmTopic: sns.Topic;
  readonly channels: AlarmChannels;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'backup-mx alarms',
      ...(props.topicKey ? { masterKey: props.topicKey } : {}),
      enforceSSL: true,
    });
    // enforceSSL gives the topic an explicit policy, which replaces SNS's default
    // one: without this statement CloudWatch may not publish and no alarm arrives.
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: alarmSourceConditions(this),
      }),
    );
    this.channels = new AlarmChannels(this, 'Channels', { config, topic: this.alarmTopic });
    const notify = [new actions.SnsAction(this.alarmTopic), ...this.channels.alarmActions];
    const alarm = (alarmId: string, props: cloudwatch.AlarmProps) => {
      const created = new cloudwatch.Alarm(this, alarmId, { alarmName: stackAlarmName(this, alarmId), ...props });
      created.addAlarmAction(...notify);
      created.addOkAction(...notify);
      this.alarms.push(created);
      return created;
    };

    const stackName = stack.stackName;
    const routeWidgets: cloudwatch.IWidget[] = [];
    const deadLetterRecords: cloudwatch.IMetric[] = [];
    for (const { route, topic } of props.channels) {
      // The probe's figures from the message index: SQS's own age metric skips a
      // message once received 3 times, and its visible count leaves out deferred mail.
      const routeMetric = (metricName: string, period: Duration) =>
        new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName,
          dimensionsMap: metricDimensions(stackName, route.name),
          period,
          statistic: 'Maximum',
        });
      const oldest = routeMetric(OLDEST_QUEUED_AGE_METRIC, Duration.minutes(5));
      const visible = routeMetric(QUEUED_MESSAGES_METRIC, Duration.minutes(5));
      const deadLetters = routeMetric(DEAD_LETTERS_METRIC, Duration.minutes(5));
      const primaryUp = new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: PRIMARY_UP_METRIC,
        dimensionsMap: metricDimensions(stackName, route.name),
        period: Duration.minutes(1),
        statistic: 'Maximum',
      });
      alarm(`OldestMessage-${route.name}`, {
        alarmDescription: `backup-mx ${route.name}: mail has waited more than ${config.alarms.oldestMessageAgeMinutes} minutes for ${route.primary.host} (or the probe could not read the message index: see its log)`,
        metric: oldest,
        threshold: config.alarms.oldestMessageAgeMinutes * 60,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        // The probe publishes it every minute once it has read the index: no figure is a probe that cannot, never "fine".
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
      alarm(`Backlog-${route.name}`, {
        alarmDescription: `backup-mx ${route.name}: ${config.alarms.backlogMessages} or more messages waiting (or the probe could not read the message index: see its log)`,
        metric: visible,
        threshold: config.alarms.backlogMessages,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
      alarm(`DeadLetters-${route.name}`, {
        alarmDescription:
          `backup-mx ${route.name}: dead letters wait for you (records not yet requeued or deleted; stays in ALARM until each is handled, ` +
          'whatever SQS kept of the DLQ; or the probe could not count them: see its log). Run `backup-mx mailq --dead`, then `requeue` or `delete` (README: Alarms)',
        metric: deadLetters,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
      alarm(`PrimaryDown-${route.name}`, {
        alarmDescription: `backup-mx ${route.name}: ${route.primary.host}:${route.primary.port} down for ${config.alarms.primaryDownMinutes} minutes (no probe data counts as down)`,
        metric: primaryUp,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: config.alarms.primaryDownMinutes,
        datapointsToAlarm: config.alarms.primaryDownMinutes,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
      this.deliveriesFailingAlarm(alarm, route, primaryUp);
      // Only the queue's subscription has a redrive policy (route-queues.ts): these counts are its
      // failures alone, never the accept function's (which NumberOfNotificationsFailed includes).
      const notQueued = (metricName: string) => topic.metric(metricName, { period: Duration.minutes(5), statistic: 'Sum' });
      alarm(`NotificationsFailed-${route.name}`, {
        alarmDescription:
          `backup-mx ${route.name}: SNS gave up delivering a notification of received mail to the route queue; the message is in the bucket but not queued. ` +
          'The notification (its envelope) went to the dead-letter queue, unless the redrive failed too: see `backup-mx mailq --dead` (README: Alarms)',
        metric: new cloudwatch.MathExpression({
          expression: 'FILL(redriven, 0) + FILL(lost, 0)',
          usingMetrics: { redriven: notQueued('NumberOfNotificationsRedrivenToDlq'), lost: notQueued('NumberOfNotificationsFailedToRedriveToDlq') },
          period: Duration.minutes(5),
          label: 'notifications that did not reach the route queue',
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      deadLetterRecords.push(deadLetters.with({ label: `${route.name}: records` }));
      routeWidgets.push(
        new cloudwatch.GraphWidget({ title: `${route.name}: oldest message (s)`, left: [oldest], width: 8 }),
        new cloudwatch.GraphWidget({ title: `${route.name}: messages waiting`, left: [visible], width: 8 }),
        new cloudwatch.GraphWidget({ title: `${route.name}: primary up`, left: [primaryUp], width: 8, leftYAxis: { min: 0, max: 1 } }),
      );
    }

    if (props.notices) noticeAlarms(alarm, props.notices, props.channels.map((c) => c.route));
    if (config.canary) canaryAlarm(alarm, config.canary, stack.stackName);

    const dlqDepth = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: 'Maximum',
    });
    // SQS's view, kept beside DeadLetters-<route> (the records) as a second signal: it is the only one
    // for what has no record (a notification SNS redrove from a route queue's subscription, a message
    // SQS itself redrove after maxReceiveCount). It forgets after 14 days, and an idle empty DLQ
    // publishes nothing, so missing data here is not breaching.
    alarm('DeadLetterQueueNotEmpty', {
      alarmDescription:
        'backup-mx: a message is in the dead-letter queue (SQS\'s view: it drops messages after 14 days; the DeadLetters-<route> alarms follow the records ' +
        'until each is handled). Run `backup-mx mailq --dead`; one there with no record was moved by SNS or SQS itself: see the AWS console (README: Alarms)',
      metric: dlqDepth,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // The drain's hourly watch (core/find-orphaned-queues.ts) publishes the total;
    // its log line names each queue and the exact command.
    alarm('OrphanedQueueMessages', {
      alarmDescription:
        'backup-mx: an old queue of this stack that no route uses still holds mail (after a route was renamed or removed, or the stack ' +
        'deployed again); SQS drops it 14 days after it was sent. The drain log names the queue: run ' +
        '`npx backup-mx adopt <queue url> --route <route>` (README: Upgrading). Also when the hourly watch could not list the queues for two hours (drain log)',
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: ORPHANED_QUEUE_MESSAGES_METRIC,
        dimensionsMap: stackMetricDimensions(stack.stackName),
        period: Duration.hours(1),
        statistic: 'Maximum',
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      // Published every hour only when the watch could list the queues: a silent watch is an alarm too.
      evaluationPeriods: ORPHANED_QUEUE_SILENT_HOURS,
      datapointsToAlarm: ORPHANED_QUEUE_SILENT_HOURS,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    const errorMetrics = props.functions.map(({ name, fn }) => {
      const errors = fn.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' });
      alarm(`Errors-${name}`, {
        alarmDescription: `backup-mx: the ${name} Lambda failed`,
        metric: errors,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      return errors.with({ label: name });
    });

    if (props.trigger) this.triggerFloodAlarm(alarm, props.trigger);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${stack.stackName}-${config.region}`,
      widgets: [
        ...alarmStatusWidgets(this.alarms),
        routeWidgets,
        [
          new cloudwatch.GraphWidget({ title: 'Dead letters: records per route, and the DLQ (SQS)', left: [...deadLetterRecords, dlqDepth.with({ label: 'DLQ (SQS)' })], width: 12 }),
          new cloudwatch.GraphWidget({ title: 'Lambda errors', left: errorMetrics, width: 12 }),
        ],
      ],
    });
  }

  /**
   * Deliveries keep failing while the probe says the primary is up: sessions
   * fail (AUTH refused, TLS mismatch, 421 every session: each run marks the
   * primary down, the next probe marks it up, and PrimaryDown never fires), or
   * every message is deferred and none delivered (a full disk, 452 to all).
   */
  private deliveriesFailingAlarm(
    alarm: (id: string, props: cloudwatch.AlarmProps) => cloudwatch.Alarm,
    route: RouteConfig,
    primaryUp: cloudwatch.Metric,
  ): void {
    const period = Duration.minutes(5);
    const { stackName } = Stack.of(this);
    const sum = (metricName: string, dimensionsMap: Record<string, string>) =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap, period, statistic: 'Sum' });
    alarm(`DeliveriesFailing-${route.name}`, {
      alarmDescription:
        `backup-mx ${route.name}: the probe reaches ${route.primary.host} but deliveries keep failing ` +
        '(AUTH refused, TLS, 421 every session, or every message deferred); see `backup-mx status`, `mailq` and the drain log (README: Alarms)',
      metric: new cloudwatch.MathExpression({
        expression: 'IF((FILL(failed, 0) >= 1 OR (FILL(deferred, 0) >= 1 AND FILL(delivered, 0) == 0)) AND up >= 1, 1, 0)',
        usingMetrics: {
          failed: sum(DRAIN_STOPPED_METRIC, drainStopDimensions(stackName, route.name, 'connection-failed')),
          deferred: sum('Deferred', metricDimensions(stackName, route.name)),
          delivered: sum('Delivered', metricDimensions(stackName, route.name)),
          up: primaryUp.with({ period }),
        },
        period,
        label: 'deliveries failing while the primary is up',
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: DELIVERIES_FAILING_PERIODS,
      datapointsToAlarm: DELIVERIES_FAILING_PERIODS,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /**
   * Someone keeps calling the trigger URL without a valid, fresh signature, or
   * so often that Lambda throttles it: each call costs a little, and a caller
   * who has the key and replays (refused too) is worth knowing about. A hook
   * calls once per primary start; a misconfigured one retrying every 10 s stays
   * under the threshold. No calls is normal: missing data is not breaching.
   */
  private triggerFloodAlarm(alarm: (id: string, props: cloudwatch.AlarmProps) => cloudwatch.Alarm, trigger: BackupMxFunction): void {
    const period = Duration.minutes(5);
    alarm('TriggerRefused', {
      alarmDescription:
        `backup-mx: the "I'm back" trigger refused or throttled more than ${TRIGGER_REFUSED_PER_PERIOD} calls in each of ${TRIGGER_REFUSED_PERIODS} five-minute periods ` +
        '(bad or stale signatures, replays, floods); the refusal reason is in the trigger log\'s TriggerRefused records. If it is not your hook, rotate the key ' +
        'or set trigger.reservedConcurrency to 0 (README: "I\'m back" trigger)',
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(refused, 0) + FILL(throttled, 0)',
        usingMetrics: {
          refused: new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: TRIGGER_REFUSED_METRIC, dimensionsMap: stackMetricDimensions(Stack.of(this).stackName), period, statistic: 'Sum' }),
          throttled: trigger.fn.metricThrottles({ period, statistic: 'Sum' }),
        },
        period,
        label: 'trigger calls refused or throttled',
      }),
      threshold: TRIGGER_REFUSED_PER_PERIOD,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: TRIGGER_REFUSED_PERIODS,
      datapointsToAlarm: TRIGGER_REFUSED_PERIODS,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  get dashboardUrl(): string {
    const region = Stack.of(this).region;
    return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${this.dashboard.dashboardName}`;
  }
}
