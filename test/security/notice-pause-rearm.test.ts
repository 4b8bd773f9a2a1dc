// Claim (docs/security.md, "a sender crafting the envelope"): the automatic
// pause of the notices' configuration set holds for as long as its bounce or
// complaint rate alarm stays in ALARM, not once per alarm episode. CloudWatch
// runs an alarm action only when the alarm changes state ("not performed
// again if the condition persists": CloudWatch User Guide, alarm actions), and
// SES's reputation rates are rolling figures that stay high long after a
// burst of bounces. Before, an operator who ran `backup-mx notices resume`
// while the alarm stayed in ALARM switched sending back on with no pause left:
// the next burst of bounced DSNs went out up to the budget. Now a schedule
// invokes the pause function every few minutes, and it reads exactly those two
// alarms and pauses while either is in ALARM (the function's behaviour:
// test/unit/aws/notice-sending.test.ts); and `notices resume` refuses while
// one is (test/unit/cli/commands/notices-resume.test.ts). (Found by the issue 17 review.)
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config/settings.js';
import { ALARM_RECHECK_MINUTES, RECHECK_EVENT } from '../../lambdas/core/outcome/pause-notices.js';
import { evaluateCfn } from '../support/cdk/cfn-evaluate.js';
import { allowing, buildStack, functionId, resources, statementsOf } from '../support/cdk/stack-fixture.js';

const { template } = buildStack();
const pauseId = functionId(template, 'pauses the notices');
const pauseAlarms = Object.entries(resources(template, 'AWS::CloudWatch::Alarm')).filter(([, a]) => JSON.stringify(a.Properties?.AlarmActions ?? []).includes(pauseId));

describe('the automatic pause of the notices\' configuration set acts again while the rate stays high', () => {
  it('two alarms pause it, the reputation rates of the notices\' configuration set, each with a name the function can be told', () => {
    expect(pauseAlarms.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['MonitoringNoticeBounceRate', 'MonitoringNoticeComplaintRate']);
    for (const [, a] of pauseAlarms) expect(typeof a.Properties!.AlarmName).toBe('string');
  });

  it(`a schedule invokes the pause function every ${ALARM_RECHECK_MINUTES} minutes with the re-check event (EventBridge may invoke it)`, () => {
    const rules = Object.values(resources(template, 'AWS::Events::Rule')).filter((r) => JSON.stringify(r.Properties?.Targets ?? '').includes(pauseId));
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties).toMatchObject({ ScheduleExpression: `rate(${ALARM_RECHECK_MINUTES} minutes)`, State: 'ENABLED' });
    expect(JSON.parse(rules[0]!.Properties!.Targets[0].Input)).toEqual(RECHECK_EVENT);
    const permissions = Object.values(resources(template, 'AWS::Lambda::Permission')).filter((p) => JSON.stringify(p.Properties!.FunctionName).includes(pauseId) && p.Properties!.Principal === 'events.amazonaws.com');
    expect(permissions).toHaveLength(1);
  });

  it('the function is told exactly the names of the alarms that pause it, and may read their state and nothing else of CloudWatch', () => {
    const fn = resources(template, 'AWS::Lambda::Function')[pauseId]!;
    const told = JSON.parse(String(evaluateCfn(fn.Properties!.Environment.Variables[ENV.noticeAlarms]))) as string[];
    expect(told.sort()).toEqual(pauseAlarms.map(([, a]) => a.Properties!.AlarmName as string).sort());
    const statements = statementsOf(template, 'pauses the notices');
    const describe = allowing(statements, 'cloudwatch:DescribeAlarms');
    expect(describe).toHaveLength(1);
    const arns = (evaluateCfn(describe[0]!.Resource) as string[]).map(String).sort();
    const alarmArn = /^arn:<AWS::Partition>:cloudwatch:[^:*]+:<AWS::AccountId>:alarm:([^*]+)$/;
    expect(arns.map((arn) => alarmArn.exec(arn)?.[1])).toEqual([...told].sort());
    for (const forbidden of ['cloudwatch:SetAlarmState', 'cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:DisableAlarmActions']) expect(allowing(statements, forbidden), forbidden).toEqual([]);
  });
});
