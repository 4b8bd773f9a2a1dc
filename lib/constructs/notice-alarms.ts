// Alarms on the notices (DSNs and delay warnings) and on SES reputation.
// AWS reviews an account whose bounce rate passes 5 % (complaints 0.1 %) and
// may pause all of its sending at 10 % (complaints 0.5 %); these fire at less
// than half of the review lines, so a person hears of it first:
//   NoticeBounceRate / NoticeComplaintRate  the notices' configuration set's own
//        reputation (metrics published with the dimension ses:configuration-set);
//        they also pause that configuration set (never the account), as an
//        alarm action and, while they stay in ALARM, by a scheduled check
//   AccountBounceRate / AccountComplaintRate  the account's (AWS/SES, no dimension),
//        which the user's other sending shares: a warning, nothing is paused
//   NoticesHeld-<route>  notices wait for the operator (budget spent, or sending
//        paused), from the probe's HeldNotices gauge: stays in ALARM until they
//        are sent or discarded (`backup-mx notices`)
//   PrimaryRefusesAll-<route>  the primary refused many recipients in an hour and
//        delivered none: a primary back misconfigured. The refusals of senders who
//        did not authenticate are suppressed (no DSN, no dead letter), so this is
//        where a person hears that their mail left the queue undelivered
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { HELD_NOTICES_METRIC, METRICS_NAMESPACE, metricDimensions } from '../../lambdas/adapters/aws/powertools-metrics.js';
import type { RouteConfig } from '../config/backup-mx-config.js';
import type { NoticeSending } from './notice-sending.js';

/** The dimension SES publishes a configuration set's reputation metrics under. */
export const CONFIGURATION_SET_DIMENSION = 'ses:configuration-set';
/** Bounce rate (0–1) at which the alarms fire: 2 %, under AWS's 5 % review line. */
export const BOUNCE_RATE_ALARM = 0.02;
/** Complaint rate (0–1) at which the alarms fire: 0.05 %, under AWS's 0.1 % review line. */
export const COMPLAINT_RATE_ALARM = 0.0005;
/** Held notices at which NoticesHeld fires: any. */
export const HELD_NOTICES_ALARM = 1;
/**
 * Recipients refused in one hour, with none delivered, at which
 * PrimaryRefusesAll fires. A healthy primary refuses spam to unknown users
 * every day but delivers other mail in the same hour; twenty refusals and not
 * one delivery is a primary refusing everything (or a dictionary attack on a
 * route without a recipient list, which the README's fix stops too).
 */
export const REFUSED_WITHOUT_DELIVERY_ALARM = 20;
/** The drain's per-recipient counts (core/transaction-record.ts): a 5xx refusal, a 2xx. */
export const REFUSED_METRIC = 'Bounced';
export const DELIVERED_METRIC = 'Delivered';

type AlarmFactory = (id: string, props: cloudwatch.AlarmProps) => cloudwatch.Alarm;

const reputation = (metricName: 'Reputation.BounceRate' | 'Reputation.ComplaintRate', dimensionsMap?: Record<string, string>) =>
  new cloudwatch.Metric({ namespace: 'AWS/SES', metricName, ...(dimensionsMap ? { dimensionsMap } : {}), period: Duration.hours(1), statistic: 'Maximum' });

export function noticeAlarms(alarm: AlarmFactory, notices: NoticeSending, routes: RouteConfig[]): cloudwatch.Alarm[] {
  const set = { [CONFIGURATION_SET_DIMENSION]: notices.configurationSet.name };
  // Two alarms invoke one function: each needs its own invoke permission.
  const pause = new actions.LambdaAction(notices.pause.fn, { useUniquePermissionId: true });
  const rate = (id: string, what: string, metric: cloudwatch.Metric, threshold: number, description: string, alarmName?: string) =>
    alarm(id, {
      ...(alarmName ? { alarmName } : {}),
      alarmDescription: `backup-mx: ${what} ${threshold * 100} % or more. ${description} (README: Alarms)`,
      metric,
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // SES publishes the rates only once there were bounces or complaints: none is fine.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  const paused =
    'Sending through the notices\' configuration set is PAUSED (the account is not), and paused again every few minutes while this alarm stays in ALARM; ' +
    'notices are held: see `backup-mx notices`, then `backup-mx notices resume` once it is OK.';
  // Named (notice-sending.ts): the pause function's scheduled check reads them by name.
  const noticeBounces = rate('NoticeBounceRate', 'bounce rate of the DSNs and delay warnings', reputation('Reputation.BounceRate', set), BOUNCE_RATE_ALARM, paused, notices.alarmNames.bounce);
  const noticeComplaints = rate('NoticeComplaintRate', 'complaint rate of the DSNs and delay warnings', reputation('Reputation.ComplaintRate', set), COMPLAINT_RATE_ALARM, paused, notices.alarmNames.complaint);
  for (const created of [noticeBounces, noticeComplaints]) created.addAlarmAction(pause);
  const account = 'The whole SES account (your other sending too): AWS reviews it at 5 % bounces / 0.1 % complaints and may pause it at 10 % / 0.5 %. See the SES console\'s reputation page.';
  const created = [
    noticeBounces,
    noticeComplaints,
    rate('AccountBounceRate', 'SES account bounce rate', reputation('Reputation.BounceRate'), BOUNCE_RATE_ALARM, account),
    rate('AccountComplaintRate', 'SES account complaint rate', reputation('Reputation.ComplaintRate'), COMPLAINT_RATE_ALARM, account),
  ];
  const { stackName } = Stack.of(notices);
  for (const route of routes) {
    created.push(
      alarm(`NoticesHeld-${route.name}`, {
        alarmDescription:
          `backup-mx ${route.name}: bounce notices are held for you (the route's hourly dsnPerHour was spent, or SES sending was paused); ` +
          'run `backup-mx notices` to send or discard them (README: Bounces and backscatter)',
        metric: new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: HELD_NOTICES_METRIC, dimensionsMap: metricDimensions(stackName, route.name), period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: HELD_NOTICES_ALARM,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        // The probe publishes it every minute once it could count: no figure (a probe that cannot) is breaching, never "fine".
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
      refusesAll(alarm, route, stackName),
    );
  }
  return created;
}

/**
 * The primary refuses everything: REFUSED_WITHOUT_DELIVERY_ALARM or more
 * recipients refused with a 5xx in an hour, and none delivered. Missing data
 * is not breaching, on purpose: the drain publishes both counts only when it
 * delivers or is refused, so no data means nothing was refused (a drain that
 * stopped is the business of the oldest-message, backlog and Errors alarms,
 * fed from the message index). The ALARM e-mail goes out on the change; the
 * refused mail stays recorded (`show`) and in the bucket for its retention,
 * so `backup-mx replay` can deliver it once the primary is fixed.
 */
function refusesAll(alarm: AlarmFactory, route: RouteConfig, stackName: string): cloudwatch.Alarm {
  const period = Duration.hours(1);
  const sum = (metricName: string) => new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: metricDimensions(stackName, route.name), period, statistic: 'Sum' });
  return alarm(`PrimaryRefusesAll-${route.name}`, {
    alarmDescription:
      `backup-mx ${route.name}: ${route.primary.host} refused ${REFUSED_WITHOUT_DELIVERY_ALARM} or more recipients in the last hour and delivered none ` +
      '("554 relay access denied" after an address change, "550 user unknown" with its directory unreachable). Refusals of senders who did not authenticate ' +
      'get no DSN (notice suppressed), so nobody else is told. See `backup-mx mailq` / `show <id>` and the primary\'s log; once fixed, ' +
      '`backup-mx replay --route ' + route.name + ' --since <when it began>`. If they are spam to unknown users, add a recipient list (README: Alarms)',
    metric: new cloudwatch.MathExpression({
      expression: `IF(FILL(refused, 0) >= ${REFUSED_WITHOUT_DELIVERY_ALARM} AND FILL(delivered, 0) == 0, 1, 0)`,
      usingMetrics: { refused: sum(REFUSED_METRIC), delivered: sum(DELIVERED_METRIC) },
      period,
      label: 'recipients refused with none delivered',
    }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}
