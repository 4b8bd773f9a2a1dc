// doctor and a synced route (recipientSync): the recipient push's URL is
// public as the trigger's, so its reserved concurrency is checked the same
// way (found among the stack's resources by the logical id CDK gives it); and
// the backscatter check judges a synced route by its stored list, not by the
// seed the route table's anyRecipient comes from.
import { DescribeActiveReceiptRuleSetCommand, GetIdentityVerificationAttributesCommand, SESClient } from '@aws-sdk/client-ses';
import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { awsTarget } from '../../../../cli/aws-target.js';
import { readCliEnv } from '../../../../cli/cli-env.js';
import { runChecks } from '../../../../cli/commands/doctor.js';
import { checkBackscatter } from '../../../../cli/doctor/backscatter-check.js';
import { checkPushConcurrency, PUSH_CONCURRENCY_CHECK } from '../../../../cli/doctor/trigger-concurrency-check.js';
import { PUSH_LOGICAL_PREFIX } from '../../../../cli/stack-lookup.js';
import { ScriptedProbe } from '../../../../lambdas/adapters/fakes/index.js';
import type { StoredRecipientList } from '../../../../lambdas/core/recipients/ports.js';
import { buildStack } from '../../../support/cdk/stack-fixture.js';
import { cfn, DEFAULT_SETTINGS, lambda, mockDeployedStack, RECIPIENT_PUSH } from '../../../support/cli/deployed-stack-mock.js';

const ses = mockClient(SESClient);
const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);
const doc = mockClient(DynamoDBDocumentClient);
afterEach(() => {
  for (const client of [ses, sns, sqs, doc, cfn, lambda]) client.reset();
});
const lambdaClient = () => new LambdaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });

describe('doctor: the recipient push\'s reserved concurrency', () => {
  it('ok when reserved; when 0 says the push is off and that trigger.reservedConcurrency 0 switches off both; not reserved: the fix', async () => {
    lambda.on(GetFunctionConcurrencyCommand).resolvesOnce({ ReservedConcurrentExecutions: 3 }).resolvesOnce({ ReservedConcurrentExecutions: 0 }).resolves({});
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });
    expect(await checkPushConcurrency(lambdaClient(), RECIPIENT_PUSH)).toMatchObject({ check: PUSH_CONCURRENCY_CHECK, status: 'ok', detail: expect.stringMatching(/^reserved 3: a flood of calls to the recipient push URL/) });
    const off = await checkPushConcurrency(lambdaClient(), RECIPIENT_PUSH);
    expect(off).toMatchObject({ status: 'warn', detail: expect.stringMatching(/recipient push is switched off.*trigger\.reservedConcurrency 0 switches off the trigger and the recipient push together/) });
    expect(off.fix).toMatch(/set trigger\.reservedConcurrency to 3/);
    const none = await checkPushConcurrency(lambdaClient(), RECIPIENT_PUSH);
    expect(none).toMatchObject({ status: 'warn', detail: expect.stringMatching(/^not reserved .*recipient push URL/) });
    expect(none.fix).toContain(`aws lambda put-function-concurrency --function-name ${RECIPIENT_PUSH} --reserved-concurrent-executions 3`);
    expect(none.fix).toContain('(and the recipient push with it)');
    expect(await checkPushConcurrency(lambdaClient(), undefined)).toMatchObject({ status: 'warn', fix: expect.stringContaining('cdk deploy') });
  });

  it('the push function\'s logical id in a synthesized stack starts with the prefix doctor looks for', () => {
    const route = { name: 'corp', domains: ['example.com'], primary: { host: 'mail.example.com', port: 587, tls: 'verify' }, recipientSync: {} };
    const { template } = buildStack({ region: 'us-east-1', routes: [route] });
    const ids = Object.entries(template.findResources('AWS::Lambda::Function'))
      .filter(([, f]) => String(f.Properties.Description).includes('pushed by its primary'))
      .map(([id]) => id);
    expect(ids).toHaveLength(1);
    expect(ids[0]).toMatch(new RegExp(`^${PUSH_LOGICAL_PREFIX}[0-9A-F]{8}$`));
  });

  const checksOf = async (synced: boolean) => {
    const route = { ...DEFAULT_SETTINGS.routes![0]!, bouncePolicy: 'dead-letter' as const, ...(synced ? { recipientSync: { maxShrinkPercent: 10, maxAddresses: 1000 } } : {}) };
    mockDeployedStack({ ...DEFAULT_SETTINGS, routes: [route] });
    ses.on(GetIdentityVerificationAttributesCommand).resolves({ VerificationAttributes: { 'example.com': { VerificationStatus: 'Success' } } });
    ses.on(DescribeActiveReceiptRuleSetCommand).resolves({ Metadata: { Name: 'backup-mx' } });
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });
    lambda.on(GetFunctionConcurrencyCommand, { FunctionName: 'BackupMx-Trigger' }).resolves({ ReservedConcurrentExecutions: 3 });
    lambda.on(GetFunctionConcurrencyCommand, { FunctionName: RECIPIENT_PUSH }).resolves({ ReservedConcurrentExecutions: 0 });
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0', ApproximateNumberOfMessagesDelayed: '0' } });
    doc.on(ScanCommand).resolves({ Items: [] });
    const target = await awsTarget({ region: 'eu-west-1' }, () => {}, readCliEnv({ AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' }));
    try {
      const lookup = async () => [{ priority: 10, exchange: 'mail.example.com' }, { priority: 20, exchange: 'inbound-smtp.eu-west-1.amazonaws.com' }];
      const mtaSts = { resolveTxt: async () => Promise.reject(Object.assign(new Error('no TXT'), { code: 'ENODATA' })), resolve4: async () => [] };
      return await runChecks(target, { lookup, probe: new ScriptedProbe(), mtaSts });
    } finally {
      target.close();
    }
  };

  it('runs on a deployed stack with a synced route, on the function found among its resources; not without one', async () => {
    const synced = await checksOf(true);
    expect(synced.find((r) => r.check === PUSH_CONCURRENCY_CHECK)).toMatchObject({ status: 'warn', detail: expect.stringContaining('recipient push is switched off') });
    expect(lambda.commandCalls(GetFunctionConcurrencyCommand, { FunctionName: RECIPIENT_PUSH })).toHaveLength(1);
    lambda.reset();
    const plain = await checksOf(false);
    expect(plain.map((r) => r.check)).not.toContain(PUSH_CONCURRENCY_CHECK);
    expect(lambda.commandCalls(GetFunctionConcurrencyCommand, { FunctionName: RECIPIENT_PUSH })).toHaveLength(0);
  });
});

describe('doctor: backscatter on a synced route', () => {
  const route = {
    name: 'corp',
    domains: ['example.com', 'example.org'],
    primary: { host: 'mail.example.com', port: 587, tls: 'required' as const },
    queueUrl: 'q',
    bouncePolicy: 'dsn' as const,
    dsnPerHour: 100,
    // No seed: the route table says SES takes any address (true until the first list's rules are written).
    anyRecipient: true,
    recipientSync: { maxShrinkPercent: 10, maxAddresses: 1000 },
  };
  const list = (addresses: string[], appliedVersion: number): StoredRecipientList => ({ version: 2, addresses, updatedAt: new Date(), source: 'push', forced: false, appliedVersion });

  it('judges the route by its stored list once its rules are written, not by the seed', () => {
    expect(checkBackscatter(route, list(['a@example.com', 'b@example.org'], 2))).toMatchObject({ status: 'ok', detail: expect.stringContaining('only the synced list (version 2 in place)') });
    // The list names one of the two domains: SES still takes any address in the other.
    const half = checkBackscatter(route, list(['a@example.com'], 2));
    expect(half).toMatchObject({ status: 'warn', detail: expect.stringMatching(/^SES accepts any address in example\.org and/) });
    expect(half.fix).toContain('backup-mx recipients push-command corp');
  });

  it('before any list\'s rules are written (none stored, or stored but not applied) the seed decides, and the fix is to push', () => {
    for (const stored of [undefined, list(['a@example.com', 'b@example.org'], 0)]) {
      const open = checkBackscatter(route, stored);
      expect(open).toMatchObject({ status: 'warn', detail: expect.stringContaining('example.com, example.org') });
      expect(open.fix).toContain('push the route\'s list');
    }
    // A route that does not sync keeps its own fix and ignores any list.
    const { recipientSync: _sync, ...plain } = route;
    expect(checkBackscatter(plain, list(['a@example.com', 'b@example.org'], 2))).toMatchObject({ status: 'warn', fix: expect.stringContaining('"recipientsFile"') });
  });
});
