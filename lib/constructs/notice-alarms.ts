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
// The held notices and a primary that refuses everything are conditions of
// the route's Problems alarm now (core/problems: notices-held,
// primary-refuses-all), evaluated by the probe from the records.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { NoticeSending } from './notice-sending.js';

/** The dimension SES publishes a configuration set's reputation metrics under. */
export const CONFIGURATION_SET_DIMENSION = 'ses:configuration-set';
/** Bounce rate (0–1) at which the alarms fire: 2 %, under AWS's 5 % review line. */
export const BOUNCE_RATE_ALARM = 0.02;
/** Complaint rate (0–1) at which the alarms fire: 0.05 %, under AWS's 0.1 % review line. */
export const COMPLAINT_RATE_ALARM = 0.0005;
type AlarmFactory = (id: string, props: cloudwatch.AlarmProps) => cloudwatch.Alarm;

const reputation = (metricName: 'Reputation.BounceRate' | 'Reputation.ComplaintRate', dimensionsMap?: Record<string, string>) =>
  new cloudwatch.Metric({ namespace: 'AWS/SES', metricName, ...(dimensionsMap ? { dimensionsMap } : {}), period: Duration.hours(1), statistic: 'Maximum' });

export function noticeAlarms(alarm: AlarmFactory, notices: NoticeSending): cloudwatch.Alarm[] {
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
  return created;
}
