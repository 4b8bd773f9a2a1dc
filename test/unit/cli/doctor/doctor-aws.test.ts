// doctor's AWS-only checks with aws-sdk-client-mock, and its DNS logic with a
// scripted lookup: each failure comes with the fix.
import { DescribeActiveReceiptRuleSetCommand, GetIdentityVerificationAttributesCommand, SESClient } from '@aws-sdk/client-ses';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetAccountCommand, GetConfigurationSetCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { checkDsnIdentity, checkNoticeSending, checkProductionAccess, checkSuppressionList, identityCandidates } from '../../../../cli/doctor/ses-sending-checks.js';
import { checkBackscatter } from '../../../../cli/doctor/backscatter-check.js';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { awsTarget } from '../../../../cli/aws-target.js';
import { readCliEnv } from '../../../../cli/cli-env.js';
import { RecordingIo } from '../../../../cli/cli-io.js';
import { doctorCommand, runChecks } from '../../../../cli/commands/doctor.js';
import { alarmChannelChecks } from '../../../../cli/doctor/alarm-channel-checks.js';
import { checkIdentities, checkRegion, checkRuleSet } from '../../../../cli/doctor/aws-checks.js';
import { checkMx, type MxLookup } from '../../../../cli/doctor/mx-check.js';
import { checkTriggerConcurrency } from '../../../../cli/doctor/trigger-concurrency-check.js';
import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ScriptedProbe } from '../../../../lambdas/adapters/fakes/index.js';
import { cfn, lambda, mockDeployedStack } from '../../../support/cli/deployed-stack-mock.js';

const ses = mockClient(SESClient);
const sns = mockClient(SNSClient);
const sesv2 = mockClient(SESv2Client);
const sqs = mockClient(SQSClient);
const doc = mockClient(DynamoDBDocumentClient);
afterEach(() => {
  ses.reset();
  sesv2.reset();
  sns.reset();
  sqs.reset();
  doc.reset();
  cfn.reset();
  lambda.reset();
});
const sesClient = () => new SESClient({ region: 'eu-west-1' });
const snsClient = () => new SNSClient({ region: 'eu-west-1' });
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:BackupMx-Alarms';

describe('doctor AWS checks', () => {
  it('checks each domain identity: verified, pending, or unknown', async () => {
    ses.on(GetIdentityVerificationAttributesCommand).resolves({
      VerificationAttributes: { 'a.example': { VerificationStatus: 'Success' }, 'b.example': { VerificationStatus: 'Pending' } },
    });
    const results = await checkIdentities(sesClient(), ['a.example', 'b.example', 'c.example']);
    expect(results.map((r) => r.status)).toEqual(['ok', 'warn', 'fail']);
    expect(results[2]!.fix).toContain('aws ses verify-domain-identity --domain c.example');
  });

  it('checks that our rule set is the active one', async () => {
    ses.on(DescribeActiveReceiptRuleSetCommand).resolvesOnce({ Metadata: { Name: 'backup-mx' } }).resolvesOnce({ Metadata: { Name: 'legacy' } }).resolves({});
    expect((await checkRuleSet(sesClient(), 'backup-mx')).status).toBe('ok');
    const other = await checkRuleSet(sesClient(), 'backup-mx');
    expect(other).toMatchObject({ status: 'fail', detail: expect.stringContaining('another rule set is active (legacy)') });
    const none = await checkRuleSet(sesClient(), 'backup-mx');
    expect(none).toMatchObject({ status: 'fail', fix: 'aws ses set-active-receipt-rule-set --rule-set-name backup-mx' });
  });

  it('with a host rule set (activation never): ok when it is active and holds our copied rules, else says to copy them', async () => {
    const ours = { Name: 'route-corp', Actions: [{ S3Action: { BucketName: 'b', ObjectKeyPrefix: 'mail/corp/', TopicArn: 't' } }] };
    const theirs = { Name: 'spam-filter', Actions: [{ BounceAction: { Sender: 'x@example.com', SmtpReplyCode: '550', Message: 'no' } }] } as never;
    ses
      .on(DescribeActiveReceiptRuleSetCommand)
      .resolvesOnce({ Metadata: { Name: 'team-rules' }, Rules: [theirs, ours] })
      .resolvesOnce({ Metadata: { Name: 'team-rules' }, Rules: [theirs] });
    expect(await checkRuleSet(sesClient(), 'backup-mx', 'team-rules')).toMatchObject({ status: 'ok', detail: expect.stringContaining('1 rule storing under mail/') });
    expect(await checkRuleSet(sesClient(), 'backup-mx', 'team-rules')).toMatchObject({ status: 'fail', fix: expect.stringContaining('copy the rules of backup-mx into team-rules') });
  });

  it('wants a confirmed alarm subscription, not PendingConfirmation', async () => {
    sns.on(ListSubscriptionsByTopicCommand).resolvesOnce({
      Subscriptions: [{ SubscriptionArn: 'PendingConfirmation', Protocol: 'email', Endpoint: 'ops@alerts.example.net', TopicArn: TOPIC }],
    }).resolves({
      Subscriptions: [{ SubscriptionArn: `${TOPIC}:1234`, Protocol: 'email', Endpoint: 'ops@alerts.example.net', TopicArn: TOPIC }],
    });
    const facts = { topicArn: TOPIC, extraTopicArns: [], routes: [{ name: 'main', domains: ['example.com'] }], stackName: 'BackupMx', region: 'eu-west-1' };
    const pending = await alarmChannelChecks(snsClient(), facts);
    expect(pending.map((r) => [r.check, r.status])).toEqual([['alarm channel ops@alerts.example.net', 'warn'], ['alarm subscription', 'fail']]);
    expect(pending[0]!.fix).toContain('Subscription Confirmation');
    expect((await alarmChannelChecks(snsClient(), facts)).at(-1)).toMatchObject({ status: 'ok', detail: '1 confirmed channel that does not depend on the primary: email ops@alerts.example.net' });
  });

  it('knows which regions receive mail', () => {
    expect(checkRegion('eu-west-1').status).toBe('ok');
    expect(checkRegion('eu-central-2')).toMatchObject({ status: 'fail', detail: 'SES does not receive mail in eu-central-2' });
  });

  it('runs every check on the deployed stack and exits 1 when one fails', async () => {
    mockDeployedStack();
    ses.on(GetIdentityVerificationAttributesCommand).resolves({ VerificationAttributes: { 'example.com': { VerificationStatus: 'Success' } } });
    ses.on(DescribeActiveReceiptRuleSetCommand).resolves({ Metadata: { Name: 'backup-mx' } });
    sesv2.on(GetAccountCommand).resolves({ ProductionAccessEnabled: true, SendingEnabled: true, SuppressionAttributes: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] } });
    sesv2.on(GetConfigurationSetCommand, { ConfigurationSetName: 'BackupMx-NoticesConfigurationSet-AbC' }).resolves({ SendingOptions: { SendingEnabled: true } });
    sns.on(ListSubscriptionsByTopicCommand).rejects(Object.assign(new Error('not allowed'), { name: 'AuthorizationError' }));
    lambda.on(GetFunctionConcurrencyCommand, { FunctionName: 'BackupMx-Trigger' }).resolves({ ReservedConcurrentExecutions: 3 });
    // Three copies on the DLQ, one dead-letter record: two reached it by redrive.
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '2', ApproximateNumberOfMessagesNotVisible: '1', ApproximateNumberOfMessagesDelayed: '0' } });
    doc.on(ScanCommand).resolves({
      Items: [{ messageId: 'm1', route: 'main', reason: 'bounced', detail: '550', at: '2026-01-01T00:00:00.000Z', notification: '{}' }],
    });
    const target = await awsTarget({ region: 'eu-west-1' }, () => {}, readCliEnv({ AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' }));
    try {
      const lookup: MxLookup = async (domain) =>
        domain === 'canary.example.com'
          ? [{ priority: 10, exchange: 'inbound-smtp.eu-west-1.amazonaws.com' }]
          : [
              { priority: 10, exchange: 'mail.example.com' },
              { priority: 20, exchange: 'inbound-smtp.eu-west-1.amazonaws.com' },
            ];
      const probe = new ScriptedProbe().down('mail.example.com', 'connect: ETIMEDOUT');
      // No policy: the TXT lookup answers ENODATA (never the real DNS in a unit test).
      const mtaSts = { resolveTxt: async () => Promise.reject(Object.assign(new Error('no TXT'), { code: 'ENODATA' })), resolve4: async () => [] };
      const results = await runChecks(target, { lookup, probe, mtaSts });
      expect(results.map((r) => [r.check, r.status])).toEqual([
        ['MX example.com', 'ok'],
        ['canary MX canary.example.com', 'ok'],
        ['MTA-STS example.com', 'ok'],
        ['primary main', 'fail'],
        ['backscatter main', 'warn'],
        ['dead-letter queue', 'warn'],
        ['SES receiving region', 'ok'],
        ['SES identity example.com', 'ok'],
        ['SES receipt rule set', 'ok'],
        ['SES production access', 'ok'],
        ['SES suppression list', 'ok'],
        ['DSN configuration set', 'ok'],
        ['DSN sender identity', 'ok'],
        ['alarm subscription', 'fail'],
        ['trigger concurrency', 'ok'],
      ]);
      expect(results[3]!.fix).toContain('this check runs from your machine, not from Lambda');
      expect(results[4]!.fix).toContain('recipientsFile');
      expect(results[5]).toMatchObject({
        detail: '~3 messages for 1 dead-letter record: 2 messages on the dead-letter queue have no record',
        fix: expect.stringContaining('aws sqs receive-message --queue-url https://sqs.eu-west-1.amazonaws.com/123456789012/BackupMx-dlq'),
      });
      expect(results[13]!.detail).toContain('could not check: AuthorizationError: not allowed');
      const io = new RecordingIo();
      expect(await doctorCommand(target, { lookup, probe, mtaSts }, io)).toBe(1);
      expect(io.text).toContain('11 ok, 2 warnings, 2 failed, 0 skipped');
    } finally {
      target.close();
    }
  });
});

describe('doctor: the trigger\'s reserved concurrency', () => {
  const lambdaClient = () => new LambdaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });

  it('ok when reserved; warns when off (0) or not reserved, with what the account allows and the fix', async () => {
    lambda.on(GetFunctionConcurrencyCommand).resolvesOnce({ ReservedConcurrentExecutions: 3 }).resolvesOnce({ ReservedConcurrentExecutions: 0 }).resolves({});
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });
    expect(await checkTriggerConcurrency(lambdaClient(), 'BackupMx-Trigger')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^reserved 3/) });
    expect(await checkTriggerConcurrency(lambdaClient(), 'BackupMx-Trigger')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/switched off/) });
    const none = await checkTriggerConcurrency(lambdaClient(), 'BackupMx-Trigger');
    expect(none).toMatchObject({ status: 'warn', detail: expect.stringMatching(/not reserved \(account limit 10, 10 unreserved; Lambda keeps 10 unreserved\)/) });
    expect(none.fix).toMatch(/Service Quotas.*aws lambda put-function-concurrency --function-name \S+ --reserved-concurrent-executions 3/);
    expect((await checkTriggerConcurrency(lambdaClient(), undefined)).fix).toMatch(/cdk deploy/);
  });
});

describe('doctor: can DSNs leave?', () => {
  it('production access: ok out of the sandbox; fails in the sandbox and when sending is paused, with the fix', async () => {
    const client = new SESv2Client({ region: 'eu-west-1' });
    sesv2
      .on(GetAccountCommand)
      .resolvesOnce({ ProductionAccessEnabled: true, SendingEnabled: true })
      .resolvesOnce({ ProductionAccessEnabled: false, SendingEnabled: true })
      .resolvesOnce({ ProductionAccessEnabled: true, SendingEnabled: false });
    expect((await checkProductionAccess(client, 'eu-west-1')).status).toBe('ok');
    const sandbox = await checkProductionAccess(client, 'eu-west-1');
    expect(sandbox).toMatchObject({ status: 'fail', detail: expect.stringContaining('sandbox'), fix: expect.stringContaining('Request production access') });
    expect((await checkProductionAccess(client, 'eu-west-1')).detail).toContain('sending is disabled');
  });

  it('DSN identity: the hostname or a parent domain must be verified', async () => {
    expect(identityCandidates('backup-mx.mail.example.com')).toEqual(['backup-mx.mail.example.com', 'mail.example.com', 'example.com']);
    ses
      .on(GetIdentityVerificationAttributesCommand)
      .resolvesOnce({ VerificationAttributes: { 'example.com': { VerificationStatus: 'Success' } } })
      .resolvesOnce({ VerificationAttributes: { 'example.com': { VerificationStatus: 'Pending' } } });
    expect(await checkDsnIdentity(sesClient(), 'backup-mx.example.com')).toMatchObject({ status: 'ok', detail: expect.stringContaining('example.com') });
    const pending = await checkDsnIdentity(sesClient(), 'backup-mx.example.com');
    expect(pending).toMatchObject({ status: 'fail', fix: expect.stringContaining('verify-domain-identity --domain example.com') });
  });
});

describe('doctor: backscatter and SES reputation', () => {
  const route = { name: 'main', domains: ['example.com'], primary: { host: 'mail.example.com', port: 587, tls: 'required' as const }, queueUrl: 'q', bouncePolicy: 'dsn' as const, dsnPerHour: 100 };

  it('flags a route that sends DSNs while SES takes any address in its domains, naming both fixes', () => {
    const open = checkBackscatter({ ...route, anyRecipient: true });
    expect(open).toMatchObject({ check: 'backscatter main', status: 'warn' });
    expect(open.detail).toContain('at most 100 an hour');
    for (const fix of ['"recipients"', '"recipientsFile"', '"bouncePolicy": "dead-letter"', '"dsnPerHour"']) expect(open.fix).toContain(fix);
    expect(checkBackscatter(route).status).toBe('ok');
    expect(checkBackscatter({ ...route, anyRecipient: true, bouncePolicy: 'dead-letter' }).status).toBe('ok');
    // A route table from before the guards carries no budget: redeploy.
    const { dsnPerHour: _budget, ...old } = route;
    expect(checkBackscatter(old)).toMatchObject({ status: 'warn', fix: 'deploy this version of backup-mx' });
  });

  it('wants the account-level suppression list to cover bounces and complaints', async () => {
    const client = new SESv2Client({ region: 'eu-west-1' });
    sesv2
      .on(GetAccountCommand)
      .resolvesOnce({ SuppressionAttributes: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] } })
      .resolvesOnce({ SuppressionAttributes: { SuppressedReasons: ['COMPLAINT'] } })
      .resolvesOnce({});
    expect((await checkSuppressionList(client)).status).toBe('ok');
    expect(await checkSuppressionList(client)).toMatchObject({ status: 'warn', detail: expect.stringContaining('does not cover bounces'), fix: 'aws sesv2 put-account-suppression-attributes --suppressed-reasons BOUNCE COMPLAINT' });
    expect((await checkSuppressionList(client)).detail).toContain('bounces or complaints');
  });

  it('fails while the notices\' configuration set is paused, with the way back', async () => {
    const client = new SESv2Client({ region: 'eu-west-1' });
    sesv2.on(GetConfigurationSetCommand).resolvesOnce({ SendingOptions: { SendingEnabled: false } }).resolvesOnce({ SendingOptions: { SendingEnabled: true } });
    expect(await checkNoticeSending(client, 'set')).toMatchObject({ status: 'fail', detail: expect.stringContaining('PAUSED'), fix: expect.stringContaining('backup-mx notices resume') });
    expect((await checkNoticeSending(client, 'set')).status).toBe('ok');
    expect((await checkNoticeSending(client, undefined)).status).toBe('warn');
  });
});

describe('MX check', () => {
  const lookup = (records: { priority: number; exchange: string }[]): MxLookup => async () => records;

  it('fails when our MX is missing, or points at another region', async () => {
    const missing = await checkMx(lookup([{ priority: 10, exchange: 'mx.example.com' }]), 'example.com', 'eu-west-1');
    expect(missing).toMatchObject({ status: 'fail', fix: expect.stringContaining('example.com MX 20 inbound-smtp.eu-west-1.amazonaws.com') });
    const elsewhere = await checkMx(
      lookup([{ priority: 10, exchange: 'mx.example.com' }, { priority: 20, exchange: 'inbound-smtp.us-east-1.amazonaws.com.' }]),
      'example.com',
      'eu-west-1',
    );
    expect(elsewhere.detail).toContain('an SES MX for another region: inbound-smtp.us-east-1.amazonaws.com');
  });

  it('fails when ours is not after the primary, and warns when there is no primary MX', async () => {
    const tie = await checkMx(
      lookup([{ priority: 10, exchange: 'mx.example.com' }, { priority: 10, exchange: 'inbound-smtp.eu-west-1.amazonaws.com' }]),
      'example.com',
      'eu-west-1',
    );
    expect(tie).toMatchObject({ status: 'fail', detail: expect.stringContaining('preference 10, not larger than the primary\'s 10') });
    const alone = await checkMx(lookup([{ priority: 20, exchange: 'inbound-smtp.eu-west-1.amazonaws.com' }]), 'example.com', 'eu-west-1');
    expect(alone.status).toBe('warn');
  });

  it('fails with the record to add when the domain has no MX at all', async () => {
    const none: MxLookup = async () => {
      throw Object.assign(new Error('queryMx ENODATA example.com'), { code: 'ENODATA' });
    };
    expect(await checkMx(none, 'example.com', 'eu-west-1')).toMatchObject({ status: 'fail', detail: 'no MX records (ENODATA)' });
  });
});
