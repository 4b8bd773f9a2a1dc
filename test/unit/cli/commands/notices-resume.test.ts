// `backup-mx notices resume` against a deployed stack (aws-sdk-client-mock):
// it finds the reputation alarms by the stack's NoticeAlarmNames output and
// refuses, saying why, while one is in ALARM; --force resumes anyway; a stack
// that names no alarms (deployed by an earlier version) cannot be checked.
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetConfigurationSetCommand, PutConfigurationSetSendingOptionsCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../../../cli/cli-io.js';
import { main } from '../../../../cli/main.js';
import { cfn, env, lambda, mockDeployedStack } from '../../../support/cli/deployed-stack-mock.js';

const sesv2 = mockClient(SESv2Client);
const cloudwatch = mockClient(CloudWatchClient);
const ALARMS = ['BackupMx-NoticeBounceRate', 'BackupMx-NoticeComplaintRate'];

/** The stack as deployed, with or without the alarm names output. */
function withOutputs(alarmNames: boolean): void {
  cfn.on(DescribeStacksCommand, { StackName: 'BackupMx' }).resolves({
    Stacks: [
      {
        StackName: 'BackupMx',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(),
        Outputs: [{ OutputKey: 'TableName', OutputValue: 'BackupMx-State' }, ...(alarmNames ? [{ OutputKey: 'NoticeAlarmNames', OutputValue: ALARMS.join(',') }] : [])],
      },
    ],
  });
}

const alarmStates = (bounce: string, complaint: string) =>
  cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: ALARMS[0], StateValue: bounce as never }, { AlarmName: ALARMS[1], StateValue: complaint as never }] });

beforeEach(() => {
  mockDeployedStack();
  withOutputs(true);
  sesv2.on(GetConfigurationSetCommand).resolves({ SendingOptions: { SendingEnabled: false } });
  sesv2.on(PutConfigurationSetSendingOptionsCommand).resolves({});
});
afterEach(() => {
  cfn.reset();
  lambda.reset();
  sesv2.reset();
  cloudwatch.reset();
});

const resume = async (...args: string[]) => {
  const io = new RecordingIo();
  const code = await main(['--region', 'eu-west-1', 'notices', 'resume', ...args], { io, env });
  return { code, io, puts: sesv2.commandCalls(PutConfigurationSetSendingOptionsCommand).map((c) => c.args[0].input) };
};

describe('notices resume on a deployed stack', () => {
  it('refuses while a reputation alarm is in ALARM (exit 1), says why and what to do, and leaves sending paused', async () => {
    alarmStates('ALARM', 'OK');
    const { code, io, puts } = await resume();
    expect(code).toBe(1);
    expect(puts).toEqual([]);
    const said = io.stderr.join('\n');
    for (const words of ['not resumed', 'BackupMx-NoticeBounceRate is in ALARM', 'every 5 minutes pauses sending again', '--force']) expect(said).toContain(words);
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input.AlarmNames).toEqual(ALARMS);
  });

  it('resumes once both are OK', async () => {
    alarmStates('OK', 'OK');
    const { code, io, puts } = await resume();
    expect(code).toBe(0);
    expect(puts).toEqual([{ ConfigurationSetName: 'BackupMx-NoticesConfigurationSet-AbC', SendingEnabled: true }]);
    expect(io.text).toContain('SES sends through the notices\' configuration set again');
  });

  it('--force resumes while one is in ALARM, and warns that the check will pause again', async () => {
    alarmStates('OK', 'ALARM');
    const { code, io, puts } = await resume('--force');
    expect(code).toBe(0);
    expect(puts).toEqual([{ ConfigurationSetName: 'BackupMx-NoticesConfigurationSet-AbC', SendingEnabled: true }]);
    expect(io.stderr.join('\n')).toContain('resumed although BackupMx-NoticeComplaintRate is in ALARM (--force)');
  });

  it('a stack without the NoticeAlarmNames output cannot be checked: refused unless --force', async () => {
    withOutputs(false);
    const refused = await resume();
    expect(refused.code).toBe(1);
    expect(refused.io.stderr.join('\n')).toMatch(/names no reputation alarms .*deploy this version, or pass --force/);
    expect(refused.puts).toEqual([]);
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
    expect((await resume('--force')).code).toBe(0);
  });
});
