// The dashboard's alarm overview. CloudWatch shows at most
// ALARMS_PER_STATUS_WIDGET alarms in one alarm status widget and refuses a
// dashboard with more (the whole deploy fails), so a stack with many routes
// gets several widgets, each row a full width.
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/** CloudWatch's limit of alarms in one alarm status widget. */
export const ALARMS_PER_STATUS_WIDGET = 100;

/** Rows of 24 units, one per widget; each widget tall enough for its alarms (six to a line). */
export function alarmStatusWidgets(alarms: cloudwatch.IAlarm[]): cloudwatch.IWidget[][] {
  const rows: cloudwatch.IWidget[][] = [];
  const parts = Math.ceil(alarms.length / ALARMS_PER_STATUS_WIDGET);
  for (let i = 0; i < parts; i += 1) {
    const some = alarms.slice(i * ALARMS_PER_STATUS_WIDGET, (i + 1) * ALARMS_PER_STATUS_WIDGET);
    rows.push([
      new cloudwatch.AlarmStatusWidget({
        title: parts === 1 ? 'Alarms' : `Alarms (${i + 1} of ${parts})`,
        alarms: some,
        width: 24,
        height: Math.max(3, Math.ceil(some.length / 6) + 1),
      }),
    ]);
  }
  return rows;
}
