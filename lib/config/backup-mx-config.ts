// The public configuration of backup-mx: the `backupMx` CDK context, checked
// at synth. The local runner imports the same parser, so this module must
// stay free of CDK imports.
import { z } from 'zod';
import {
  describeValue,
  domainName,
  emailAddress,
  flag,
  hostName,
  intIn,
  oneOf,
  regionName,
  routeName,
  ruleSetName,
  secretName,
  stackName,
  tlsFingerprint,
} from './field-schemas.js';
import { crossCheck } from './cross-check.js';
import { delayWarningProblems } from './delay-warning-check.js';
import { primaryTlsProblems } from './primary-tls-check.js';
import { egressSchema } from './egress.js';
import {
  alarmChannelProblems,
  alarmTopicArn,
  MAX_ALARM_SMS_NUMBERS,
  MAX_ALARM_TOPICS,
  MAX_ALARM_WEBHOOKS,
  smsNumber,
  webhookUrl,
} from './alarm-channels.js';
import { arcSchema } from './arc.js';
import { canaryProblems, canarySchema, resolveCanary, type CanaryConfig } from './canary.js';
import { loadRecipientsFiles } from './recipients-file.js';
import { recipientSyncEventProblems, recipientSyncProblems, recipientSyncSchema } from './recipient-sync.js';
import { DEFAULT_NOTICES_PER_HOUR } from '../../lambdas/core/outcome/notice-sender.js';

export { ruleRecipients, MAX_RULE_RECIPIENTS } from './cross-check.js';
export { MAX_RULES_PER_SET, receiptRuleChunks } from './receipt-rule-chunks.js';
export { egressReachesPort25, EGRESS_MODES, type EgressMode } from './egress.js';
import { formatIssuePath, formatZodIssue } from './format-issue.js';

export const TLS_MODES = ['none', 'opportunistic', 'required', 'verify', 'fingerprint'] as const;
export const BOUNCE_POLICIES = ['dsn', 'dead-letter'] as const;
export const SES_TLS_POLICIES = ['optional', 'require'] as const;
export const ACTIVATION_MODES = ['if-none-active', 'replace', 'never'] as const;

/** The most notices a route may send in an hour (dsnPerHour). */
export const MAX_DSN_PER_HOUR = 10_000;
/**
 * Calls the trigger runs at once by default: several primaries may come back
 * together, and a flood takes no more than this from the account's pool.
 */
export const DEFAULT_TRIGGER_RESERVED_CONCURRENCY = 3;
/** An upper bound that is still "a cap": the trigger answers one call in well under a minute. */
export const MAX_TRIGGER_RESERVED_CONCURRENCY = 100;

/** 0–MAX_TRIGGER_RESERVED_CONCURRENCY, or "none". */
function reservedConcurrency() {
  const whole = intIn(0, MAX_TRIGGER_RESERVED_CONCURRENCY);
  return z.unknown().transform((value, ctx): number | 'none' => {
    if (value === 'none') return 'none';
    const parsed = whole.safeParse(value);
    if (parsed.success) return parsed.data;
    ctx.addIssue({ code: 'custom', message: `expected 0–${MAX_TRIGGER_RESERVED_CONCURRENCY} or "none", got ${describeValue(value)}` });
    return z.NEVER;
  });
}

/** SQS keeps a message 14 days; the drain re-enqueues before that, up to this many days. */
export const MAX_QUEUE_LIFETIME_DAYS = 30;

export const FORWARD_CLIENT_MODES = ['none', 'xclient', 'xforward'] as const;

const primarySchema = z.strictObject({
  host: hostName(),
  port: intIn(1, 65535),
  tls: oneOf(TLS_MODES).default('opportunistic'),
  /** With tls "fingerprint": SHA-256 pins of the primary's certificate or public key (see primary-tls-check). */
  tlsFingerprints: z.array(tlsFingerprint()).min(1).optional(),
  /** Only with tls "verify" or "fingerprint": AUTH goes only to an authenticated primary. */
  authSecretName: secretName().optional(),
  /** SMTP sessions a drain may open to this primary at once (default 20, grown from 5 by slow start). */
  maxSessions: intIn(1, 100).optional(),
  /** Messages one drain works on at once for this primary (default 40). */
  messagesInFlight: intIn(1, 500).optional(),
  /**
   * Tell the primary the original client (from SES's Received header) with
   * XCLIENT (judged as that client) or XFORWARD (logged as it); "none" by default.
   */
  forwardClient: oneOf(FORWARD_CLIENT_MODES).default('none'),
});

const routeSchema = z.strictObject({
  name: routeName(),
  domains: z.array(domainName()).min(1),
  /**
   * When given, SES accepts only these addresses in their domains and refuses
   * others during SMTP (no backscatter); domains with no address listed stay open.
   */
  recipients: z.array(emailAddress()).min(1).optional(),
  /**
   * A file of addresses, one a line (blank lines and # comments skipped), read
   * at synth and added to `recipients`; relative to the directory of cdk.json.
   */
  recipientsFile: z.string().min(1).optional(),
  /**
   * The primary pushes the route's valid addresses (lib/config/recipient-sync.ts);
   * `recipients` / `recipientsFile` are then only the list accepted before the first push.
   */
  recipientSync: recipientSyncSchema.optional(),
  primary: primarySchema,
  /** ARC-seal (RFC 8617) each message before it goes to this route's primary. */
  arc: arcSchema.optional(),
  bouncePolicy: oneOf(BOUNCE_POLICIES).default('dsn'),
  /** Hours after arrival when the sender of a still-waiting message is warned once; overrides the global value. */
  delayWarningHours: intIn(0, 720).optional(),
  /** Notices (DSNs and delay warnings) this route may send in one hour; overrides the global value. */
  dsnPerHour: intIn(0, MAX_DSN_PER_HOUR, 'SES sending is shared with your account\'s other mail').optional(),
});

const configSchema = z.strictObject({
  stackName: stackName().default('BackupMx'),
  region: regionName().optional(),
  routes: z.array(routeSchema).min(1),
  alarmEmail: emailAddress().optional(),
  queueLifetimeDays: intIn(1, MAX_QUEUE_LIFETIME_DAYS, 'the longest queue lifetime backup-mx supports').default(5),
  retry: z
    .strictObject({
      minBackoffSeconds: intIn(1, 86_400).default(300),
      maxBackoffSeconds: intIn(1, 86_400).default(3_600),
    })
    .prefault({}),
  /** Below 60 the probe loops inside one scheduled run. */
  probeIntervalSeconds: intIn(10, 60).default(60),
  /** SES receiving: 'require' refuses senders that do not use TLS. */
  tlsPolicy: oneOf(SES_TLS_POLICIES).default('optional'),
  /** "none" | "vpc-nat" | "vpc-nat-instance", or { mode, elasticIpAllocationId }. */
  egress: egressSchema,
  ruleSet: z
    .strictObject({
      name: ruleSetName().default('backup-mx'),
      activation: oneOf(ACTIVATION_MODES).default('if-none-active'),
      /**
       * The user's own active set our rules are copied into (with activation
       * "never"): the bucket and topic policies let its rules write and publish too.
       */
      hostRuleSet: ruleSetName().optional(),
    })
    .prefault({}),
  /** Postfix's delay_warning_time: hours until one "delayed" notice (RFC 3464); 0 = off. */
  delayWarningHours: intIn(0, 720).default(0),
  /**
   * Notices (DSNs and delay warnings) each route may send in one UTC hour;
   * more are held for the operator (`backup-mx notices`). 0 holds every one.
   */
  dsnPerHour: intIn(0, MAX_DSN_PER_HOUR, 'SES sending is shared with your account\'s other mail').default(DEFAULT_NOTICES_PER_HOUR),
  /** Name used in EHLO and our Received: header; default backup-mx.<first domain>. */
  hostname: hostName().optional(),
  /** The SES identity (a verified domain) DSNs are sent under, when `hostname` is not under a route domain. */
  dsnIdentity: domainName().optional(),
  /** The "I'm back" trigger function (its public URL). */
  trigger: z
    .strictObject({
      /**
       * Most calls it runs at once (Lambda reserved concurrency), applied at
       * deploy only where the account has room (reported otherwise); 0 switches
       * the trigger off; "none" reserves nothing.
       */
      reservedConcurrency: reservedConcurrency().default(DEFAULT_TRIGGER_RESERVED_CONCURRENCY),
      /**
       * A Secrets Manager secret holding the HMAC key, read instead of the state
       * table's trigger#key item: the secret an earlier version made (its output
       * TriggerSecretArn), so the primary's hook keeps working. The secret costs
       * $0.40 a month; `backup-mx trigger-url --import-key` moves it into the table.
       */
      keySecretName: secretName().optional(),
    })
    .prefault({}),
  /** The hourly proof that mail still reaches the queue (lib/config/canary.ts); false switches it off. */
  canary: canarySchema,
  /**
   * Encrypt the SNS topics (route topics and the alarm topic) with a customer
   * managed KMS key ($1 a month). Off: SNS holds a notification only until it
   * is delivered to the (SSE-SQS) queue, over TLS (docs/security.md).
   */
  encryptTopics: flag().default(false),
  /** A CloudWatch dashboard ($3 a month past your first three), and the detailed metrics it graphs. */
  dashboard: flag().default(false),
  alarms: z
    .strictObject({
      oldestMessageAgeMinutes: intIn(5, 20_160).default(60),
      backlogMessages: intIn(1, 1_000_000).default(100),
      primaryDownMinutes: intIn(1, 1_440).default(15),
      /** Take an alarmEmail in a protected domain (synth warns instead of refusing): its mail has another path. */
      allowProtectedEmail: flag().default(false),
      /** HTTPS endpoints subscribed to the alarm topic (PagerDuty, ntfy, your own receiver). */
      webhookUrls: z.array(webhookUrl()).min(1).max(MAX_ALARM_WEBHOOKS, `at most ${MAX_ALARM_WEBHOOKS} webhooks`).optional(),
      /** Phone numbers (E.164) subscribed to the alarm topic by SMS. */
      smsNumbers: z.array(smsNumber()).min(1).max(MAX_ALARM_SMS_NUMBERS, `at most ${MAX_ALARM_SMS_NUMBERS} numbers (the SNS SMS sandbox verifies at most 10)`).optional(),
      /** The user's own SNS topics (same region): every alarm publishes to them too. */
      topicArns: z
        .array(alarmTopicArn())
        .min(1)
        .max(MAX_ALARM_TOPICS, `at most ${MAX_ALARM_TOPICS} topics: a CloudWatch alarm runs at most 5 actions per state, and the stack's own topic and the notices' pause function take two`)
        .optional(),
    })
    .prefault({}),
});

type ParsedConfig = z.output<typeof configSchema>;
export type RouteConfig = Omit<ParsedConfig['routes'][number], 'recipientsFile'>;
export type BackupMxConfig = Omit<ParsedConfig, 'region' | 'hostname' | 'egress' | 'routes' | 'canary'> & {
  region: string;
  hostname: string;
  routes: RouteConfig[];
  /** The canary's schedule and address; false when switched off. */
  canary: CanaryConfig | false;
  egress: ParsedConfig['egress']['mode'];
  /** An Elastic IP allocation to reuse for the egress (kept across stack deletes). */
  elasticIpAllocationId?: string;
};

export class BackupMxConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid backupMx context:\n  - ${problems.join('\n  - ')}`);
    this.name = 'BackupMxConfigError';
  }
}

export interface ParseOptions {
  /** Used when backupMx.region is absent (from CDK_DEFAULT_REGION / AWS_REGION). */
  region?: string;
  /** Where relative `recipientsFile` paths start (default: the working directory, where cdk.json is). */
  baseDir?: string;
}

/**
 * Checks the `backupMx` context (an object, or a JSON string as `-c` gives it)
 * and returns it with every default filled in. Throws BackupMxConfigError
 * listing every problem found.
 */
export function parseBackupMxConfig(raw: unknown, opts: ParseOptions = {}): BackupMxConfig {
  let input = raw;
  if (input === undefined || input === null || input === '') {
    throw new BackupMxConfigError([
      'backupMx: missing; set it in cdk.json under "context" or pass -c backupMx=\'{"routes":[...]}\'',
    ]);
  }
  if (typeof input === 'string') {
    try {
      input = JSON.parse(input);
    } catch (error) {
      throw new BackupMxConfigError([`backupMx: not valid JSON (${(error as Error).message})`]);
    }
  }
  const parsed = configSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    throw new BackupMxConfigError(
      parsed.error.issues.map((issue) => `${formatIssuePath(issue.path)}: ${formatZodIssue(issue)}`),
    );
  }
  const { egress, ...config } = parsed.data;
  const files = loadRecipientsFiles(config.routes, opts.baseDir ?? process.cwd());
  if (files.problems.length > 0) throw new BackupMxConfigError(files.problems);
  const routes = files.routes;
  const region = config.region ?? opts.region;
  const canary = resolveCanary(config.canary, routes);
  const problems = [
    ...crossCheck({ ...config, routes, egress: egress.mode, elasticIpAllocationId: egress.elasticIpAllocationId, canary: canary !== false }, region),
    ...canaryProblems(canary, routes),
    ...delayWarningProblems({ ...config, routes }),
    ...primaryTlsProblems({ routes }),
    ...alarmChannelProblems(config, region),
    ...recipientSyncProblems(routes, config.ruleSet.activation),
    ...recipientSyncEventProblems(routes),
  ];
  if (problems.length > 0 || region === undefined) {
    throw new BackupMxConfigError(problems);
  }
  const hostname = config.hostname ?? `backup-mx.${routes[0]!.domains[0]!}`;
  return {
    ...config,
    routes,
    region,
    hostname,
    canary,
    egress: egress.mode,
    ...(egress.elasticIpAllocationId !== undefined ? { elasticIpAllocationId: egress.elasticIpAllocationId } : {}),
  };
}
