// Where alarms go besides alarmEmail (alarms.webhookUrls, alarms.smsNumbers,
// alarms.topicArns), and the rule that keeps them out of the mail they guard
// (docs/architecture.md invariant 11): an alarmEmail in a domain a route protects is
// mail to the primary that is down, so the "primary down" alarm would wait in
// backup-mx's own queue. Synth refuses it (lib/checks/deploy-checks.ts) unless
// alarms.allowProtectedEmail says that domain has another path; the local
// runner, which sends no alarms, only warns. Free of CDK imports: the runner
// and the CLI use it too.
import { z } from 'zod';
import { describeValue } from './field-schemas.js';

/** HTTPS subscriptions on the alarm topic: each is a resource and one more POST per alarm change. */
export const MAX_ALARM_WEBHOOKS = 10;
/** SMS subscriptions: the SNS SMS sandbox verifies at most 10 numbers, and every text is billed. */
export const MAX_ALARM_SMS_NUMBERS = 10;
/** CloudWatch runs at most 5 actions per alarm state (PutMetricAlarm AlarmActions, OKActions). */
export const MAX_ALARM_ACTIONS_PER_STATE = 5;
/**
 * The user's topics get every alarm as further actions: 5 per state, less our
 * own topic and the notices' pause function (the reputation alarms), leaves 3.
 */
export const MAX_ALARM_TOPICS = MAX_ALARM_ACTIONS_PER_STATE - 2;

const IPV4_LITERAL = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * An https:// URL SNS can reach: a public host name (SNS posts from the
 * internet and checks the certificate against the name; it has no way into a
 * private network). The text is kept as written: SNS treats another spelling
 * as another subscription, which would need confirming again.
 */
export const webhookUrl = () =>
  z.unknown().transform((value, ctx): string => {
    const problem = typeof value === 'string' ? webhookUrlProblem(value.trim()) : `expected an https:// URL, got ${describeValue(value)}`;
    if (problem === undefined) return (value as string).trim();
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  });

function webhookUrlProblem(text: string): string | undefined {
  const got = JSON.stringify(text);
  if (/[\s\u0000-\u001f\u007f]/.test(text)) return `expected an https:// URL without spaces or control characters, got ${got}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `expected an https:// URL such as "https://events.pagerduty.com/integration/<key>/enqueue", got ${got}`;
  }
  if (url.protocol === 'http:') {
    return `${got} is plain http: the alarm text and SNS's subscription token would cross the internet unencrypted, and anyone on the path could confirm or read it; use https://`;
  }
  if (url.protocol !== 'https:') return `expected an https:// URL, got ${got}`;
  const host = url.hostname;
  if (host.startsWith('[') || IPV4_LITERAL.test(host)) {
    return `${got} names an IP address: SNS checks the endpoint's certificate against a host name; use the name the certificate is for`;
  }
  if (!host.includes('.') || host.endsWith('.localhost')) {
    return `${got} is not a public host name: SNS posts from the internet and cannot reach a private or local endpoint`;
  }
  return undefined;
}

/**
 * A phone number in E.164 form ("+" and 7 to 15 digits, no leading 0), as SNS
 * wants it; spaces, dashes, dots and parentheses are dropped.
 */
export const smsNumber = () =>
  z.unknown().transform((value, ctx): string => {
    if (typeof value === 'string') {
      const compact = value.trim().replace(/[\s().-]/g, '');
      if (/^\+[1-9]\d{6,14}$/.test(compact)) return compact;
    }
    ctx.addIssue({ code: 'custom', message: `expected a phone number in E.164 form such as "+14155550123" (country code first), got ${describeValue(value)}` });
    return z.NEVER;
  });

const TOPIC_ARN = /^arn:(aws|aws-cn|aws-us-gov):sns:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):([A-Za-z0-9_-]{1,256}(\.fifo)?)$/;

export interface TopicArnParts {
  partition: string;
  region: string;
  account: string;
  name: string;
}

export function parseTopicArn(arn: string): TopicArnParts | undefined {
  const match = TOPIC_ARN.exec(arn);
  return match ? { partition: match[1]!, region: match[2]!, account: match[3]!, name: match[4]! } : undefined;
}

/** An SNS standard topic ARN; FIFO topics need a message group id, which CloudWatch does not send. */
export const alarmTopicArn = () =>
  z.unknown().transform((value, ctx): string => {
    const text = typeof value === 'string' ? value.trim() : undefined;
    const parts = text === undefined ? undefined : parseTopicArn(text);
    if (parts && !parts.name.endsWith('.fifo')) return text!;
    ctx.addIssue({
      code: 'custom',
      message: parts
        ? `${JSON.stringify(text)} is a FIFO topic: publishing to one needs a message group id, which CloudWatch alarms do not send; use a standard topic`
        : `expected an SNS topic ARN such as "arn:aws:sns:eu-west-1:123456789012:ops-alerts", got ${describeValue(value)}`,
    });
    return z.NEVER;
  });

/** The partition of a region's ARNs. */
export function partitionOf(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

interface ChannelsShape {
  alarms: { webhookUrls?: string[]; smsNumbers?: string[]; topicArns?: string[] };
}

/** Repeated entries, and topics CloudWatch cannot publish to from this stack's region. */
export function alarmChannelProblems(config: ChannelsShape, region: string | undefined): string[] {
  const problems: string[] = [];
  const lists = [
    ['webhookUrls', config.alarms.webhookUrls],
    ['smsNumbers', config.alarms.smsNumbers],
    ['topicArns', config.alarms.topicArns],
  ] as const;
  for (const [field, list] of lists) {
    (list ?? []).forEach((entry, i) => {
      const first = list!.indexOf(entry);
      if (first !== i) problems.push(`backupMx.alarms.${field}[${i}]: ${JSON.stringify(entry)} is already listed at [${first}]`);
    });
  }
  if (region === undefined) return problems;
  (config.alarms.topicArns ?? []).forEach((arn, i) => {
    const parts = parseTopicArn(arn)!;
    if (parts.region !== region || parts.partition !== partitionOf(region)) {
      problems.push(
        `backupMx.alarms.topicArns[${i}]: ${JSON.stringify(arn)} is in ${parts.region}, but the stack's alarms are in ${region}, and a CloudWatch alarm ` +
          `publishes only to topics of its own region; create a topic in ${region} and subscribe the same endpoints to it`,
      );
    }
  });
  return problems;
}

/** True when `host` is `domain` or a name under it (a lookalike suffix is not). */
export function isInDomain(host: string, domain: string): boolean {
  const h = host.toLowerCase();
  const d = domain.toLowerCase();
  return h === d || h.endsWith(`.${d}`);
}

export interface ProtectedAddress {
  address: string;
  /** The protected domain the address is in (or under). */
  domain: string;
  route: string;
}

/** The route domain an address is in or under, if any: mail to it goes to that route's primary. */
export function protectedDomainOf(address: string, routes: { name: string; domains: string[] }[]): ProtectedAddress | undefined {
  const host = address.slice(address.lastIndexOf('@') + 1);
  for (const route of routes) {
    const domain = route.domains.find((d) => isInDomain(host, d));
    if (domain !== undefined) return { address, domain, route: route.name };
  }
  return undefined;
}

const CHANNEL_FIELDS = 'alarms.webhookUrls, alarms.smsNumbers or alarms.topicArns';

/** Why an alarmEmail in a protected domain fails, and the ways out. */
export function protectedEmailReason(found: ProtectedAddress): string {
  const under = found.address.endsWith(`@${found.domain}`) ? `in ${found.domain}` : `under ${found.domain}`;
  return (
    `"${found.address}" is ${under}, which route "${found.route}" protects: when that route's primary is down, the "primary down" ` +
    'alarm is mail to that very primary, so it would wait in backup-mx\'s own queue and nobody would be told'
  );
}

/** The synth refusal (deploy-checks) for an alarmEmail in a protected domain without the override. */
export function protectedEmailProblems(config: { alarmEmail?: string; routes: { name: string; domains: string[] }[]; alarms: { allowProtectedEmail?: boolean } }): string[] {
  if (config.alarmEmail === undefined || config.alarms.allowProtectedEmail) return [];
  const found = protectedDomainOf(config.alarmEmail, config.routes);
  if (found === undefined) return [];
  return [
    `backupMx.alarmEmail: ${protectedEmailReason(found)}. Use an address whose mail does not go through this primary (an on-call ` +
      `mailbox at another provider), or another channel (${CHANNEL_FIELDS}); if mail for ${found.domain} has another path you trust, ` +
      'set "alarms": {"allowProtectedEmail": true} and synth only warns (README: Alarms)',
  ];
}

/** The warning (synth with the override, and the local runner) for an alarmEmail in a protected domain. */
export function protectedEmailWarning(found: ProtectedAddress): string {
  return `alarmEmail ${protectedEmailReason(found)}; add a channel that does not depend on it (${CHANNEL_FIELDS}) (README: Alarms)`;
}

/** How many channels reach a person: e-mail, webhooks, SMS, the user's topics. */
export function alarmChannelCount(config: { alarmEmail?: string; alarms: { webhookUrls?: string[]; smsNumbers?: string[]; topicArns?: string[] } }): number {
  const { webhookUrls = [], smsNumbers = [], topicArns = [] } = config.alarms;
  return (config.alarmEmail ? 1 : 0) + webhookUrls.length + smsNumbers.length + topicArns.length;
}
