// The notices' reputation alarms as CloudWatch reports them now: read by the
// pause function's scheduled check (pause while one is in ALARM) and by
// `backup-mx notices resume` (refuse while one is). Exactly the named alarms:
// the role may describe those two and nothing else.
import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { NoticeAlarms } from '../../core/outcome/notice-ports.js';

export class NoticeAlarmMissingError extends Error {
  constructor(names: string[]) {
    super(`CloudWatch knows no alarm named ${names.join(', ')}: was the stack deployed with this version, and is the region right?`);
    this.name = 'NoticeAlarmMissingError';
  }
}

export class CloudWatchNoticeAlarms implements NoticeAlarms {
  constructor(
    private readonly cloudwatch: CloudWatchClient,
    readonly names: readonly string[],
  ) {}

  async firing(): Promise<string[]> {
    const found = new Map<string, string | undefined>();
    let next: string | undefined;
    do {
      const page = await this.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [...this.names], AlarmTypes: ['MetricAlarm'], NextToken: next }));
      for (const alarm of page.MetricAlarms ?? []) if (alarm.AlarmName) found.set(alarm.AlarmName, alarm.StateValue);
      next = page.NextToken;
    } while (next);
    // An alarm that is not there pauses nothing and alarms nobody: say so rather than call it fine.
    const missing = this.names.filter((name) => !found.has(name));
    if (missing.length > 0) throw new NoticeAlarmMissingError(missing);
    return this.names.filter((name) => found.get(name) === 'ALARM');
  }
}
