// doctor's checks of where alarms go: each subscription of the alarm topic
// (confirmed or pending, and an e-mail address in a protected domain, which
// would wait in backup-mx itself while the primary is down), the SMS account
// (sandbox, spending limit) when a number is subscribed, and each of the
// user's own topics (may CloudWatch publish there for this stack's alarms,
// with a key it can use, and does anyone listen).
import {
  CheckIfPhoneNumberIsOptedOutCommand,
  GetSMSAttributesCommand,
  GetSMSSandboxAccountStatusCommand,
  GetTopicAttributesCommand,
  ListSMSSandboxPhoneNumbersCommand,
  ListSubscriptionsByTopicCommand,
  type SNSClient,
  type Subscription,
} from '@aws-sdk/client-sns';
import { awsErrorName } from '../../lambdas/adapters/aws/aws-errors.js';
import { parseTopicArn, protectedDomainOf, protectedEmailReason } from '../../lib/config/alarm-channels.js';
import { fail, guarded, ok, warn, type CheckResult } from './check.js';
import { cloudWatchMayPublish } from './topic-policy.js';

export const ALARM_SUBSCRIPTION_CHECK = 'alarm subscription';
export const SMS_SANDBOX_CHECK = 'SMS sandbox';
export const SMS_SPEND_CHECK = 'SMS spending limit';
export const SMS_OPT_OUT_CHECK = 'SMS opt-out';

/** The default monthly SMS spending quota of an account, in dollars: a few texts spend it. */
export const DEFAULT_SMS_MONTHLY_SPEND_LIMIT = 1;

export interface AlarmChannelFacts {
  /** Our alarm topic (output AlarmTopicArn). */
  topicArn?: string;
  /** The user's own topics every alarm publishes to (output AlarmChannelTopicArns). */
  extraTopicArns: string[];
  /** The routes, whose domains an alarm e-mail must not be in. */
  routes: { name: string; domains: string[] }[];
  stackName: string;
  region: string;
}

/**
 * How an endpoint is shown: a webhook URL often carries its key (in the path,
 * the query or user:password@), so only its scheme and host are printed.
 */
export function shownEndpoint(protocol: string | undefined, endpoint: string | undefined): string {
  if (endpoint === undefined) return '(no endpoint)';
  if (protocol === 'http' || protocol === 'https') {
    try {
      const url = new URL(endpoint);
      return `${url.protocol}//${url.host}/…`;
    } catch {
      return `${protocol} endpoint`;
    }
  }
  return endpoint;
}

async function listSubscriptions(sns: SNSClient, topicArn: string): Promise<Subscription[]> {
  const all: Subscription[] = [];
  let next: string | undefined;
  do {
    const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: next }));
    all.push(...(page.Subscriptions ?? []));
    next = page.NextToken;
  } while (next);
  return all;
}

const PENDING_FIX: Record<string, string> = {
  email: 'click the link in the "AWS Notification - Subscription Confirmation" e-mail; alarms go nowhere until then',
  'email-json': 'click the link in the "AWS Notification - Subscription Confirmation" e-mail; alarms go nowhere until then',
  https:
    'SNS posted a SubscriptionConfirmation to it: PagerDuty\'s CloudWatch integration confirms by itself; otherwise open the SubscribeURL of that request ' +
    '(ntfy shows it as a notification) or pass its Token to `aws sns confirm-subscription`. To have it sent again: `aws sns subscribe` with the same topic, protocol and URL (README: Alarms)',
};

/** Each subscription of the alarm topic, then whether any confirmed one works while the primary is down. */
export function judgeSubscriptions(all: Subscription[], facts: Pick<AlarmChannelFacts, 'routes' | 'extraTopicArns'>): CheckResult[] {
  const name = ALARM_SUBSCRIPTION_CHECK;
  const subscriptions = all.filter((s) => s.SubscriptionArn !== 'Deleted');
  const rows: CheckResult[] = [];
  const usable: string[] = [];
  for (const s of subscriptions) {
    const protocol = s.Protocol ?? 'unknown';
    const shown = shownEndpoint(protocol, s.Endpoint);
    const check = `alarm channel ${shown}`;
    if (s.SubscriptionArn === 'PendingConfirmation') {
      rows.push(warn(check, `${protocol}, not confirmed: SNS sends it nothing until it is`, PENDING_FIX[protocol] ?? 'confirm the subscription (SNS console → Subscriptions)'));
      continue;
    }
    const isMail = protocol === 'email' || protocol === 'email-json';
    const found = isMail && s.Endpoint ? protectedDomainOf(s.Endpoint, facts.routes) : undefined;
    if (found) {
      rows.push(
        warn(
          check,
          `${protocol}, confirmed, but ${protectedEmailReason(found)}`,
          'subscribe an address elsewhere, or set alarms.webhookUrls, alarms.smsNumbers or alarms.topicArns (README: Alarms)',
        ),
      );
      continue;
    }
    rows.push(ok(check, `${protocol}, confirmed`));
    usable.push(`${protocol} ${shown}`);
  }
  const others = facts.extraTopicArns.length;
  const alsoTopics = others > 0 ? `; every alarm also goes to ${others} topic${others === 1 ? '' : 's'} of yours (checked below)` : '';
  if (usable.length > 0) {
    rows.push(ok(name, `${usable.length} confirmed channel${usable.length === 1 ? '' : 's'} that do${usable.length === 1 ? 'es' : ''} not depend on the primary: ${usable.join(', ')}${alsoTopics}`));
  } else if (others > 0) {
    rows.push(ok(name, `no confirmed subscription on the alarm topic${alsoTopics}`));
  } else if (subscriptions.length === 0) {
    rows.push(
      fail(name, 'nobody is subscribed: alarms go nowhere', 'set alarmEmail (outside the routes\' domains), alarms.webhookUrls, alarms.smsNumbers or alarms.topicArns and deploy (README: Alarms)'),
    );
  } else {
    rows.push(
      fail(
        name,
        'no confirmed channel that works while the primary is down: when it is down, nobody is told',
        'confirm the subscriptions above, or add a channel outside the routes\' domains (alarms.webhookUrls, alarms.smsNumbers, alarms.topicArns) (README: Alarms)',
      ),
    );
  }
  return rows;
}

/**
 * The account's SMS settings, when a number is subscribed: in the SMS sandbox
 * SNS texts only verified numbers, a new account's spending limit ($1 a month)
 * is spent by a few alarm texts, after which SNS sends none, and a number that
 * answered STOP gets nothing until it is opted in again.
 */
export async function checkSmsChannel(sns: SNSClient, numbers: string[]): Promise<CheckResult[]> {
  const rows: CheckResult[] = [];
  const { IsInSandbox } = await sns.send(new GetSMSSandboxAccountStatusCommand({}));
  if (!IsInSandbox) {
    rows.push(ok(SMS_SANDBOX_CHECK, 'the account is out of the SMS sandbox'));
  } else {
    const verified = new Set<string>();
    let next: string | undefined;
    do {
      const page = await sns.send(new ListSMSSandboxPhoneNumbersCommand({ NextToken: next }));
      for (const entry of page.PhoneNumbers ?? []) if (entry.Status === 'Verified' && entry.PhoneNumber) verified.add(entry.PhoneNumber);
      next = page.NextToken;
    } while (next);
    const unverified = numbers.filter((n) => !verified.has(n));
    rows.push(
      unverified.length === 0
        ? ok(SMS_SANDBOX_CHECK, `in the SMS sandbox, but every subscribed number is verified (${numbers.join(', ')})`)
        : fail(
            SMS_SANDBOX_CHECK,
            `in the SMS sandbox SNS texts only verified numbers, and ${unverified.join(', ')} ${unverified.length === 1 ? 'is' : 'are'} not: no alarm reaches ${unverified.length === 1 ? 'it' : 'them'}`,
            `aws sns create-sms-sandbox-phone-number --phone-number ${unverified[0]}, then aws sns verify-sms-sandbox-phone-number --phone-number ${unverified[0]} --one-time-password <code>; or leave the sandbox (SNS console → Text messaging (SMS))`,
          ),
    );
  }
  const optedOut: string[] = [];
  for (const phoneNumber of numbers) {
    if ((await sns.send(new CheckIfPhoneNumberIsOptedOutCommand({ phoneNumber }))).isOptedOut) optedOut.push(phoneNumber);
  }
  rows.push(
    optedOut.length === 0
      ? ok(SMS_OPT_OUT_CHECK, 'no subscribed number has opted out')
      : fail(SMS_OPT_OUT_CHECK, `${optedOut.join(', ')} opted out (answered STOP): SNS texts ${optedOut.length === 1 ? 'it' : 'them'} nothing`, `aws sns opt-in-phone-number --phone-number ${optedOut[0]} (possible once every 30 days)`),
  );
  const { attributes = {} } = await sns.send(new GetSMSAttributesCommand({ attributes: ['MonthlySpendLimit'] }));
  const limit = Number(attributes.MonthlySpendLimit ?? DEFAULT_SMS_MONTHLY_SPEND_LIMIT);
  rows.push(
    limit > DEFAULT_SMS_MONTHLY_SPEND_LIMIT
      ? ok(SMS_SPEND_CHECK, `$${limit} a month`)
      : warn(
          SMS_SPEND_CHECK,
          `$${limit} a month (a new account's default): a few alarm texts spend it, then SNS sends no SMS until the month ends`,
          'ask AWS Support for an SNS SMS spending quota increase, then aws sns set-sms-attributes --attributes MonthlySpendLimit=<dollars> (README: Alarms)',
        ),
  );
  return rows;
}

/** The ARN of one of the stack's alarms, named `<stack>/<id>` as lib/constructs/alarm-names.ts names them. */
export function stackAlarmArn(partition: string, region: string, account: string, stackName: string, id: string): string {
  return `arn:${partition}:cloudwatch:${region}:${account}:alarm:${stackName}/${id}`;
}

/** The AWS managed key of SNS: its policy cannot be changed, so CloudWatch can never use it. */
const AWS_MANAGED_SNS_KEY = /(?:^|[:/])alias\/aws\/sns$/;

/** One of the user's topics: may CloudWatch publish there for this stack's alarms, with a key it can use, and does anyone listen? */
export async function checkAlarmTopic(sns: SNSClient, arn: string, facts: AlarmChannelFacts & { account: string }): Promise<CheckResult> {
  const name = `alarm topic ${arn}`;
  let attributes: Record<string, string>;
  try {
    attributes = (await sns.send(new GetTopicAttributesCommand({ TopicArn: arn }))).Attributes ?? {};
  } catch (error) {
    const code = awsErrorName(error);
    if (code === 'NotFoundException' || code === 'NotFound') return fail(name, 'no such topic: alarms published there are lost', 'create it, or remove it from alarms.topicArns and deploy');
    if (code === 'AuthorizationErrorException' || code === 'AuthorizationError' || code === 'AccessDeniedException') {
      return warn(name, 'doctor may not read its attributes (a topic of another account?), so its policy is unchecked', 'check in that account that its policy lets cloudwatch.amazonaws.com publish (README: Where alarms go)');
    }
    throw error;
  }
  const partition = parseTopicArn(arn)?.partition ?? 'aws';
  const sample = stackAlarmArn(partition, facts.region, facts.account, facts.stackName, 'Problems-example');
  const reading = cloudWatchMayPublish(attributes.Policy, { topicArn: arn, sourceAccount: facts.account, sourceArn: sample });
  const statementFix = `add the statement of README "Where alarms go" to its policy: Allow cloudwatch.amazonaws.com sns:Publish with aws:SourceAccount ${facts.account} and aws:SourceArn ${stackAlarmArn(partition, facts.region, facts.account, facts.stackName, '*')}`;
  if (reading.verdict === 'denied') return fail(name, `CloudWatch may not publish to it for this stack's alarms (${reading.why}): they never arrive`, statementFix);
  const key = attributes.KmsMasterKeyId;
  if (key && AWS_MANAGED_SNS_KEY.test(key)) {
    return fail(
      name,
      'encrypted with the AWS managed key alias/aws/sns, whose policy cannot let CloudWatch use it: every alarm publish fails',
      'encrypt it with a customer managed key whose policy lets cloudwatch.amazonaws.com use kms:GenerateDataKey* and kms:Decrypt (README: Alarms)',
    );
  }
  if (reading.verdict === 'unknown') return warn(name, `could not tell whether CloudWatch may publish to it: ${reading.why}`, statementFix);
  const listeners = Number(attributes.SubscriptionsConfirmed ?? '0');
  if (listeners === 0) return warn(name, `CloudWatch may publish to it (${reading.why}), but it has no confirmed subscription: alarms there reach nobody`, 'subscribe someone to it, or confirm the pending subscriptions');
  if (key) {
    return warn(
      name,
      `CloudWatch may publish to it (${reading.why}), ${listeners} confirmed subscription${listeners === 1 ? '' : 's'}; it is encrypted with ${key}, whose key policy doctor cannot read`,
      'make sure that key\'s policy lets cloudwatch.amazonaws.com use kms:GenerateDataKey* and kms:Decrypt, or alarms are dropped (README: Alarms)',
    );
  }
  return ok(name, `CloudWatch may publish to it (${reading.why}); ${listeners} confirmed subscription${listeners === 1 ? '' : 's'}`);
}

/** Every alarm channel check, each guarded so one refused call does not hide the others. */
export async function alarmChannelChecks(sns: SNSClient, facts: AlarmChannelFacts): Promise<CheckResult[]> {
  const { topicArn } = facts;
  if (!topicArn) return [warn(ALARM_SUBSCRIPTION_CHECK, 'the stack has no AlarmTopicArn output', 'redeploy the stack')];
  let subscriptions: Subscription[] = [];
  const rows = await guarded(ALARM_SUBSCRIPTION_CHECK, 'grant sns:ListSubscriptionsByTopic, or check in the SNS console', async () => {
    subscriptions = await listSubscriptions(sns, topicArn);
    return judgeSubscriptions(subscriptions, facts);
  });
  const account = parseTopicArn(topicArn)?.account;
  const sms = subscriptions.filter((s) => s.Protocol === 'sms' && s.Endpoint && s.SubscriptionArn !== 'Deleted').map((s) => s.Endpoint!);
  if (sms.length > 0) rows.push(...(await guarded(SMS_SANDBOX_CHECK, 'grant sns:GetSMSSandboxAccountStatus, sns:ListSMSSandboxPhoneNumbers, sns:CheckIfPhoneNumberIsOptedOut and sns:GetSMSAttributes, or check the SNS console\'s Text messaging page', () => checkSmsChannel(sns, sms))));
  for (const arn of facts.extraTopicArns) {
    rows.push(
      ...(await guarded(`alarm topic ${arn}`, 'grant sns:GetTopicAttributes, or check its access policy in the SNS console', () =>
        checkAlarmTopic(sns, arn, { ...facts, account: account ?? parseTopicArn(arn)?.account ?? 'unknown' }),
      )),
    );
  }
  return rows;
}
