// The SES side of the notices, against aws-sdk-client-mock: every notice names
// the stack's configuration set; SES's "sending paused" answers become the
// engine's NoticeSendingPausedError (the notice is held, not dead-lettered);
// the pause function switches only that configuration set, only on ALARM:
// when an alarm moves into ALARM, and at each scheduled check while one stays there.
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ConfigurationSetSendingPausedException, AccountSendingPausedException, SendRawEmailCommand, SESClient, SESServiceException } from '@aws-sdk/client-ses';
import { GetConfigurationSetCommand, PutConfigurationSetSendingOptionsCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SesBounceMailer } from '../../../lambdas/adapters/aws/ses-bounce-mailer.js';
import { SesV2NoticeSending } from '../../../lambdas/adapters/aws/sesv2-notice-sending.js';
import { NoticeSendingPausedError } from '../../../lambdas/core/outcome/ports.js';
import { RECHECK_EVENT } from '../../../lambdas/core/outcome/pause-notices.js';
import { makePauseHandler } from '../../../lambdas/handlers/pause-notices.js';

const ses = mockClient(SESClient);
const sesv2 = mockClient(SESv2Client);
const cloudwatch = mockClient(CloudWatchClient);
afterEach(() => {
  ses.reset();
  sesv2.reset();
  cloudwatch.reset();
});

const dsn = 'From: MAILER-DAEMON@mx.example.com\r\nContent-Type: multipart/report; report-type=delivery-status\r\n\r\n...';
const envelope = { from: '', to: ['alice@sender.example'] };

describe('SesBounceMailer with the notices\' configuration set', () => {
  it('names the configuration set on every SendRawEmail', async () => {
    ses.on(SendRawEmailCommand).resolves({ MessageId: 'x' });
    await new SesBounceMailer(new SESClient({ region: 'eu-west-1' }), 'BackupMx-NoticesConfigurationSet-AbC').send(dsn, envelope);
    expect(ses.commandCalls(SendRawEmailCommand)[0]!.args[0].input).toMatchObject({ ConfigurationSetName: 'BackupMx-NoticesConfigurationSet-AbC', Destinations: ['alice@sender.example'] });
  });

  it('turns SES\'s "sending paused" (configuration set or account) into NoticeSendingPausedError, and leaves other errors as they are', async () => {
    const mailer = new SesBounceMailer(new SESClient({ region: 'eu-west-1' }), 'set');
    ses
      .on(SendRawEmailCommand)
      .rejectsOnce(new ConfigurationSetSendingPausedException({ $metadata: {}, message: 'Sending is paused for this configuration set.', ConfigurationSetName: 'set' }))
      .rejectsOnce(new AccountSendingPausedException({ $metadata: {}, message: 'Sending is paused for this account.' }))
      .rejectsOnce(new SESServiceException({ name: 'MessageRejected', $fault: 'client', $metadata: {}, message: 'Email address is not verified.' }));
    await expect(mailer.send(dsn, envelope)).rejects.toMatchObject({ name: 'NoticeSendingPausedError', scope: 'configuration-set' });
    const account = await mailer.send(dsn, envelope).catch((error: unknown) => error);
    expect(account).toBeInstanceOf(NoticeSendingPausedError);
    expect(account).toMatchObject({ scope: 'account' });
    await expect(mailer.send(dsn, envelope)).rejects.toMatchObject({ name: 'MessageRejected' });
  });
});

describe('the pause function', () => {
  const ALARMS = ['BackupMx-NoticeBounceRate', 'BackupMx-NoticeComplaintRate'];
  const env = { BACKUPMX_DSN_CONFIGURATION_SET: 'BackupMx-NoticesConfigurationSet-AbC', BACKUPMX_NOTICE_ALARMS: JSON.stringify(ALARMS) };
  const alarm = (value: string) => ({ alarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:BackupMx-NoticeBounceRate', alarmData: { alarmName: 'BackupMx-NoticeBounceRate', state: { value, reason: 'Threshold Crossed' } } });
  const make = (e: NodeJS.ProcessEnv = env) => makePauseHandler(new SESv2Client({ region: 'eu-west-1' }), new CloudWatchClient({ region: 'eu-west-1' }), e);
  const states = (bounce: string, complaint: string) => ({ MetricAlarms: [{ AlarmName: ALARMS[0], StateValue: bounce }, { AlarmName: ALARMS[1], StateValue: complaint }] }) as never;

  it('on ALARM sets SendingEnabled=false on the notices\' configuration set and nothing else', async () => {
    sesv2.on(GetConfigurationSetCommand).resolves({ SendingOptions: { SendingEnabled: true } });
    sesv2.on(PutConfigurationSetSendingOptionsCommand).resolves({});
    const result = await make()(alarm('ALARM'));
    expect(result.action).toBe('paused');
    const puts = sesv2.commandCalls(PutConfigurationSetSendingOptionsCommand).map((c) => c.args[0].input);
    expect(puts).toEqual([{ ConfigurationSetName: 'BackupMx-NoticesConfigurationSet-AbC', SendingEnabled: false }]);
    // Only the configuration set's calls: never the account's sending switch.
    expect(sesv2.calls().map((c) => c.args[0].constructor.name).sort()).toEqual(['GetConfigurationSetCommand', 'PutConfigurationSetSendingOptionsCommand']);
  });

  it('does nothing on OK or INSUFFICIENT_DATA, nor when it is already paused', async () => {
    sesv2.on(GetConfigurationSetCommand).resolves({ SendingOptions: { SendingEnabled: false } });
    const handle = make();
    expect((await handle(alarm('OK'))).action).toBe('ignored');
    expect((await handle(alarm('INSUFFICIENT_DATA'))).action).toBe('ignored');
    expect((await handle(alarm('ALARM'))).action).toBe('already-paused');
    expect(sesv2.commandCalls(PutConfigurationSetSendingOptionsCommand)).toHaveLength(0);
  });

  it('the scheduled check pauses again after a resume while an alarm stays in ALARM (CloudWatch does not act again on a state that persists)', async () => {
    sesv2.on(GetConfigurationSetCommand).resolves({ SendingOptions: { SendingEnabled: true } });
    sesv2.on(PutConfigurationSetSendingOptionsCommand).resolves({});
    cloudwatch.on(DescribeAlarmsCommand).resolves(states('OK', 'ALARM'));
    const result = await make()(RECHECK_EVENT as never);
    expect(result).toEqual({ action: 'paused', alarm: 'BackupMx-NoticeComplaintRate' });
    expect(sesv2.commandCalls(PutConfigurationSetSendingOptionsCommand).map((c) => c.args[0].input)).toEqual([{ ConfigurationSetName: 'BackupMx-NoticesConfigurationSet-AbC', SendingEnabled: false }]);
    // Exactly the stack's two alarms, by name.
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input)).toEqual([{ AlarmNames: ALARMS, AlarmTypes: ['MetricAlarm'], NextToken: undefined }]);
  });

  it('the scheduled check leaves sending alone while both alarms are OK (never resumes), and any other event takes the same path', async () => {
    sesv2.on(GetConfigurationSetCommand).resolves({ SendingOptions: { SendingEnabled: false } });
    cloudwatch.on(DescribeAlarmsCommand).resolves(states('OK', 'INSUFFICIENT_DATA'));
    const handle = make();
    expect(await handle(RECHECK_EVENT as never)).toEqual({ action: 'ignored' });
    expect(await handle(undefined)).toEqual({ action: 'ignored' });
    expect(sesv2.commandCalls(PutConfigurationSetSendingOptionsCommand)).toHaveLength(0);
  });

  it('fails (the function\'s Errors alarm) when an alarm cannot be found, rather than taking it as OK', async () => {
    sesv2.on(GetConfigurationSetCommand).resolves({ SendingOptions: { SendingEnabled: true } });
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: ALARMS[0], StateValue: 'OK' }] });
    await expect(make()(RECHECK_EVENT as never)).rejects.toMatchObject({ name: 'NoticeAlarmMissingError', message: expect.stringContaining(ALARMS[1]) });
    expect(sesv2.commandCalls(PutConfigurationSetSendingOptionsCommand)).toHaveLength(0);
  });

  it('refuses to start without the configuration set\'s name or the alarms\' names, naming the variable', () => {
    expect(() => make({})).toThrow(/BACKUPMX_DSN_CONFIGURATION_SET/);
    expect(() => make({ BACKUPMX_DSN_CONFIGURATION_SET: 'set' })).toThrow(/BACKUPMX_NOTICE_ALARMS.*missing/);
    expect(() => make({ BACKUPMX_DSN_CONFIGURATION_SET: 'set', BACKUPMX_NOTICE_ALARMS: '[]' })).toThrow(/BACKUPMX_NOTICE_ALARMS/);
    expect(() => make({ BACKUPMX_DSN_CONFIGURATION_SET: 'set', BACKUPMX_NOTICE_ALARMS: 'a,b' })).toThrow(/BACKUPMX_NOTICE_ALARMS: expected a JSON list/);
  });

  it('resume (the operator) enables it again; a configuration set without SendingOptions counts as enabled', async () => {
    sesv2.on(PutConfigurationSetSendingOptionsCommand).resolves({});
    sesv2.on(GetConfigurationSetCommand).resolves({});
    const sending = new SesV2NoticeSending(new SESv2Client({ region: 'eu-west-1' }), 'set');
    expect(await sending.enabled()).toBe(true);
    await sending.setEnabled(true);
    expect(sesv2.commandCalls(PutConfigurationSetSendingOptionsCommand)[0]!.args[0].input).toEqual({ ConfigurationSetName: 'set', SendingEnabled: true });
  });
});
