// The stack's alarms, sent to one alarm topic (whose channels,
// alarm-channels.ts, reach people), and the dashboard when asked for. Few
// alarms, each reading few metrics, because CloudWatch bills $0.10 a month per
// metric an alarm reads and $0.30 per custom metric published (lib/cost/idle-cost.ts):
//   Problems-<route>, StackProblems  the probe's evaluation of every condition
//     of README's alarm table from the project's own records (problem-alarms.ts),
//     missing data breaching: a probe that stops is an alarm;
//   NewProblem  a condition began (the probe's "problem began" line), told even
//     while its Problems alarm is already in ALARM for another;
//   ErrorLines  every function's ERROR lines, timeouts and crashes, counted by
//     log metric filters (error-lines.ts);
//   the notices' and the account's SES reputation (notice-alarms.ts),
//   TriggerRefused (a flood of bad calls to the public trigger), and with a
//   synced route RuleWriterFailed, RecipientPushRefused and RecipientsRemoved
//   (recipient-sync-alarms.ts).
// The rule for every one (docs/alarms.md, test/unit/cdk/alarm-rules.test.ts):
// an alarm about waiting, stuck or dead-lettered mail breaches on missing
// data; an alarm on an event count names the breaching alarm that fires when
// its publisher stops.
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { BackupMxConfig } from '../config/backup-mx-config.js';
import { METRICS_NAMESPACE, stackMetricDimensions, TRIGGER_REFUSED_METRIC } from '../../lambdas/adapters/aws/powertools-metrics.js';
import { ENV } from '../../lambdas/config/settings.js';
import { AlarmChannels } from './alarm-channels.js';
import { alarmSourceConditions, stackAlarmName } from './alarm-names.js';
import type { BackupMxFunction } from './backup-mx-function.js';
import { backupMxDashboard } from './backup-mx-dashboard.js';
import { errorLinesAlarm, newProblemAlarm } from './error-lines.js';
import { noticeAlarms } from './notice-alarms.js';
import { routeProblemsAlarm, stackProblemsAlarm } from './problem-alarms.js';
import { pushAlarms, ruleWriterAlarm } from './recipient-sync-alarms.js';
import type { NoticeSending } from './notice-sending.js';
import type { RouteChannel } from './route-queues.js';

/** Refused trigger calls per five minutes above which a period counts (one every 5 s). */
export const TRIGGER_REFUSED_PER_PERIOD = 60;
/** Five-minute periods in a row above that before TriggerRefused fires: a flood, not one bad hook run. */
export const TRIGGER_REFUSED_PERIODS = 3;

export { PRIMARY_UP_METRIC } from './backup-mx-dashboard.js';
export { alarmSourceConditions, stackAlarmName } from './alarm-names.js';

export interface MonitoringProps {
  config: BackupMxConfig;
  channels: RouteChannel[];
  deadLetterQueue: sqs.IQueue;
  /** Every function whose ERROR lines, timeouts and crashes count (error-lines.ts). */
  functions: { name: string; fn: BackupMxFunction }[];
  /** The probe: its "problem began" lines are NewProblem's count. */
  probe: BackupMxFunction;
  /** The public "I'm back" function: an alarm on a sustained rate of refused or throttled calls. */
  trigger?: BackupMxFunction;
  /** Encrypts the alarm topic (`encryptTopics`); absent: SNS's default. */
  topicKey?: kms.IKey;
  /** The notices' SES configuration set: its reputation alarms pause it (notice-alarms.ts). */
  notices?: NoticeSending;
  /** The rule writer a recipient push asks (only when a route syncs): an alarm when it fails (recipient-sync-alarms.ts). */
  ruleWriter?: BackupMxFunction;
}

export class Monitoring extends Construct {
  readonly alarmTopic: sns.Topic;
  readonly channels: AlarmChannels;
  /** Only with `"dashboard": true`. */
  readonly dashboard?: cloudwatch.Dashboard;
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

    const { stackName } = stack;
    for (const { route } of props.channels) routeProblemsAlarm(alarm, route, config, stackName);
    stackProblemsAlarm(alarm, stackName);
    const errorLines = errorLinesAlarm(this, alarm, props.functions);
    newProblemAlarm(this, alarm, props.probe);
    if (props.notices) noticeAlarms(alarm, props.notices);
    if (props.trigger) this.triggerFloodAlarm(alarm);
    if (props.ruleWriter) {
      ruleWriterAlarm(alarm, props.ruleWriter);
      pushAlarms(alarm, stackName);
    }

    if (config.dashboard) {
      // The dashboard graphs the detailed figures: only then are they metrics.
      for (const { fn } of props.functions) fn.setEnvironment({ [ENV.detailedMetrics]: '1' });
      this.dashboard = backupMxDashboard(this, {
        dashboardName: `${stackName}-${config.region}`,
        routes: props.channels.map((c) => c.route),
        alarms: this.alarms,
        deadLetterQueue: props.deadLetterQueue,
        errorLines: errorLines.metric,
      });
    }
  }

  /**
   * Someone keeps calling the trigger URL without a valid, fresh signature:
   * each call costs a little, and a caller
   * who has the key and replays (refused too) is worth knowing about. A hook
   * calls once per primary start; a misconfigured one retrying every 10 s stays
   * under the threshold. No calls is normal: missing data is not breaching.
   */
  private triggerFloodAlarm(alarm: (id: string, props: cloudwatch.AlarmProps) => cloudwatch.Alarm): void {
    const period = Duration.minutes(5);
    alarm('TriggerRefused', {
      alarmDescription:
        `backup-mx: the "I'm back" trigger refused more than ${TRIGGER_REFUSED_PER_PERIOD} calls in each of ${TRIGGER_REFUSED_PERIODS} five-minute periods ` +
        '(bad or stale signatures, replays, floods); the refusal reason is in the trigger log\'s TriggerRefused records. If it is not your hook, rotate the key ' +
        'or set trigger.reservedConcurrency to 0 (README: "I\'m back" trigger)',
      // Refusals only: a call Lambda throttles runs nothing and costs nothing (reserved concurrency caps them).
      metric: new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: TRIGGER_REFUSED_METRIC, dimensionsMap: stackMetricDimensions(Stack.of(this).stackName), period, statistic: 'Sum' }),
      threshold: TRIGGER_REFUSED_PER_PERIOD,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: TRIGGER_REFUSED_PERIODS,
      datapointsToAlarm: TRIGGER_REFUSED_PERIODS,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  get dashboardUrl(): string | undefined {
    if (!this.dashboard) return undefined;
    const region = Stack.of(this).region;
    return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${this.dashboard.dashboardName}`;
  }
}
