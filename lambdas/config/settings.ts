// Every setting the Lambdas (and the local runner) read, in one place. The
// stack writes these variables; loadSettings fails fast naming what is wrong.
import { z } from 'zod';
import { FINAL_DOT_GRACE_SECONDS } from '../core/drain/final-dot-guard.js';
import type { Route } from '../core/model.js';
import { FINGERPRINT_EXAMPLE, normalizeFingerprint } from '../core/policy/tls-fingerprint.js';

/** Environment variable names: the contract between lib/ (which sets them) and lambdas/. */
export const ENV = {
  routes: 'BACKUPMX_ROUTES',
  tableName: 'BACKUPMX_TABLE_NAME',
  bucketName: 'BACKUPMX_BUCKET_NAME',
  deadLetterQueueUrl: 'BACKUPMX_DLQ_URL',
  drainFunctionName: 'BACKUPMX_DRAIN_FUNCTION',
  hostname: 'BACKUPMX_HOSTNAME',
  minBackoffSeconds: 'BACKUPMX_MIN_BACKOFF_SECONDS',
  maxBackoffSeconds: 'BACKUPMX_MAX_BACKOFF_SECONDS',
  queueLifetimeSeconds: 'BACKUPMX_QUEUE_LIFETIME_SECONDS',
  probeIntervalSeconds: 'BACKUPMX_PROBE_INTERVAL_SECONDS',
  probeTimeoutMs: 'BACKUPMX_PROBE_TIMEOUT_MS',
  smtpTimeoutMs: 'BACKUPMX_SMTP_TIMEOUT_MS',
  maxReceivedHeaders: 'BACKUPMX_MAX_RECEIVED_HEADERS',
  /** Overrides every route's delay warning time, in seconds (tests, local runs). */
  delayWarningSeconds: 'BACKUPMX_DELAY_WARNING_SECONDS',
  /** Secrets Manager id of the trigger's HMAC secret, when trigger.keySecretName names one (trigger function only); absent: the key is the state table's trigger#key item. */
  triggerSecretId: 'BACKUPMX_TRIGGER_SECRET',
  /** The CloudFormation stack (every function): a dimension of every metric, and the tag that marks its queues (orphaned-queue watch). */
  stackName: 'BACKUPMX_STACK_NAME',
  /** The SES configuration set every DSN and delay warning goes through (drain, and the function that pauses it). */
  dsnConfigurationSet: 'BACKUPMX_DSN_CONFIGURATION_SET',
  /** JSON list of the reputation alarms whose ALARM state pauses that configuration set (the pause function only). */
  noticeAlarms: 'BACKUPMX_NOTICE_ALARMS',
  /** The function that writes synced routes' receipt rules, which the recipient push asks after storing a list (push function only). */
  ruleWriterFunctionName: 'BACKUPMX_RULE_WRITER_FUNCTION',
  /** Our SES rule set, whose synced rules the rule writer writes after a push (rule writer only). */
  ruleSetName: 'BACKUPMX_RULE_SET_NAME',
  /** The body cap of the recipient push before its signature is checked: the largest synced route's (push function only). */
  pushMaxBodyBytes: 'BACKUPMX_PUSH_MAX_BODY_BYTES',
  /** The probe function, which the trigger asks to check one route now (trigger only). */
  probeFunctionName: 'BACKUPMX_PROBE_FUNCTION',
  /** SHA-256 of the route table synth wrote (config/route-table.ts): the table read must match it. */
  routeTableDigest: 'BACKUPMX_ROUTE_TABLE_DIGEST',
  /** The canary's address, `canary@<canary domain>` (the canary function, accept and drain; absent: no canary). */
  canaryAddress: 'BACKUPMX_CANARY_ADDRESS',
  /** The route whose queue the canary travels (accept and drain). */
  canaryRoute: 'BACKUPMX_CANARY_ROUTE',
  /** Minutes between two canaries (said in the canary's text; the schedule is the stack's). The probe: set when the stack sends one, so it checks their arrival. */
  canaryIntervalMinutes: 'BACKUPMX_CANARY_INTERVAL_MINUTES',
  /** "1" when the dashboard is on: the detailed idle figures are published as metrics (otherwise as log fields). */
  detailedMetrics: 'BACKUPMX_DETAILED_METRICS',
  /** The probe's thresholds of the route conditions (alarms.primaryDownMinutes, oldestMessageAgeMinutes, backlogMessages; core/problems). */
  primaryDownMinutes: 'BACKUPMX_PRIMARY_DOWN_MINUTES',
  oldestMessageAgeMinutes: 'BACKUPMX_OLDEST_MESSAGE_AGE_MINUTES',
  backlogMessages: 'BACKUPMX_BACKLOG_MESSAGES',
} as const;

/**
 * Longest wait for one SMTP reply. The reply to the final dot may take
 * minutes while the primary scans the message (RFC 5321 §4.5.3.2.6 allows 10);
 * giving up early would deliver the message twice.
 */
export const DEFAULT_SMTP_TIMEOUT_MS = 300_000;

/** After the final dot's reply: ending the session, acking the queue, writing the ledger, releasing the lease. */
export const AFTER_REPLY_SECONDS = 30;

/** Beyond one SMTP wait: the final dot's grace after the deadline, then the work after its reply. */
export const DRAIN_MARGIN_SECONDS = FINAL_DOT_GRACE_SECONDS + AFTER_REPLY_SECONDS;

/**
 * Seconds a drain keeps back from the Lambda timeout (timeout − budget). No
 * transaction starts after the deadline; one started before sends its final
 * dot within FINAL_DOT_GRACE_SECONDS of it or not at all (final-dot-guard.ts);
 * the dot's reply waits at most one SMTP timeout; then AFTER_REPLY_SECONDS to
 * record it. A Lambda killed between a dot and its recorded reply would
 * deliver that message twice.
 */
export function drainReserveSeconds(settings: Pick<Settings, 'smtpTimeoutMs'>): number {
  return Math.ceil(settings.smtpTimeoutMs / 1000) + DRAIN_MARGIN_SECONDS;
}

const tls = z.enum(['none', 'opportunistic', 'required', 'verify', 'fingerprint']);

const fingerprint = z
  .string()
  .refine((pin) => normalizeFingerprint(pin) !== undefined, { message: `expected ${FINGERPRINT_EXAMPLE}` })
  .transform((pin) => normalizeFingerprint(pin)!);

const routeSchema = z.object({
  name: z.string().min(1),
  domains: z.array(z.string().min(1)).min(1),
  primary: z
    .object({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535),
      tls,
      tlsFingerprints: z.array(fingerprint).min(1).optional(),
      authSecretName: z.string().min(1).optional(),
      maxSessions: z.number().int().min(1).max(100).optional(),
      messagesInFlight: z.number().int().min(1).max(500).optional(),
      forwardClient: z.enum(['xclient', 'xforward']).optional(),
    })
    // Without a pin every session would fail; AUTH without verify/fingerprint is
    // refused at synth, and withheld per session anyway (credential-gate).
    .refine((p) => p.tls !== 'fingerprint' || (p.tlsFingerprints?.length ?? 0) > 0, {
      message: 'tls "fingerprint" needs tlsFingerprints',
      path: ['tlsFingerprints'],
    }),
  queueUrl: z.string().min(1),
  bouncePolicy: z.enum(['dsn', 'dead-letter']),
  delayWarningSeconds: z.number().int().min(0).max(30 * 86_400).optional(),
  dsnPerHour: z.number().int().min(0).max(100_000).optional(),
  anyRecipient: z.boolean().optional(),
  recipientSync: z.object({ maxShrinkPercent: z.number().int().min(0).max(100), maxAddresses: z.number().int().min(1).max(20_000) }).optional(),
  arc: z.object({ domain: z.string().min(1), selector: z.string().min(1), keySecretName: z.string().min(1) }).optional(),
});

const intFromEnv = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const settingsSchema = z
  .object({
    routes: z.array(routeSchema).min(1),
    tableName: z.string().min(1),
    bucketName: z.string().min(1),
    deadLetterQueueUrl: z.string().min(1),
    /** Only the probe needs it (to start a drain); absent means "drain inline". */
    drainFunctionName: z.string().min(1).optional(),
    hostname: z.string().min(1).default('backup-mx.invalid'),
    minBackoffSeconds: intFromEnv(1, 86_400).default(300),
    maxBackoffSeconds: intFromEnv(1, 86_400).default(3_600),
    queueLifetimeSeconds: intFromEnv(60, 30 * 86_400).default(5 * 86_400),
    probeIntervalSeconds: intFromEnv(1, 60).default(60),
    probeTimeoutMs: intFromEnv(100, 120_000).default(10_000),
    smtpTimeoutMs: intFromEnv(100, 600_000).default(DEFAULT_SMTP_TIMEOUT_MS),
    maxReceivedHeaders: intFromEnv(1, 1_000).default(50),
    delayWarningSeconds: intFromEnv(0, 30 * 86_400).optional(),
    triggerSecretId: z.string().min(1).optional(),
    /** Absent (local runs, tests): no orphaned-queue watch, and no CloudWatch metrics (lambdaMetrics). */
    stackName: z.string().min(1).optional(),
    /** Absent (local runs, tests): notices are sent without a configuration set. */
    dsnConfigurationSet: z.string().min(1).optional(),
    probeFunctionName: z.string().min(1).optional(),
    /** Absent when the routes come from the environment (local runs, tests). */
    routeTableDigest: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits').optional(),
    /** Absent: the stack sends no canary and nothing is recognised as one. */
    canaryAddress: z.string().regex(/^[a-z0-9.+-]+@[a-z0-9.-]+$/, 'expected canary@<canary domain>').optional(),
    canaryRoute: z.string().min(1).optional(),
    canaryIntervalMinutes: intFromEnv(1, 1_440).optional(),
    // "1" from the stack; a settings object written back to variables (the CLI's local target) says true/false.
    detailedMetrics: z.union([z.boolean(), z.enum(['0', '1', 'true', 'false'])]).default(false).transform((v) => v === true || v === '1' || v === 'true'),
    // The configuration's defaults and bounds (lib/config/backup-mx-config.ts alarms).
    primaryDownMinutes: intFromEnv(1, 1_440).default(15),
    oldestMessageAgeMinutes: intFromEnv(5, 20_160).default(60),
    backlogMessages: intFromEnv(1, 1_000_000).default(100),
  })
  .refine((s) => s.minBackoffSeconds <= s.maxBackoffSeconds, {
    message: `${ENV.minBackoffSeconds} must not exceed ${ENV.maxBackoffSeconds}`,
    path: ['minBackoffSeconds'],
  })
  .refine((s) => (s.canaryAddress === undefined) === (s.canaryRoute === undefined), {
    message: `${ENV.canaryAddress} and ${ENV.canaryRoute} go together (the stack sets both)`,
    path: ['canaryAddress'],
  });

export type Settings = z.output<typeof settingsSchema> & { routes: Route[] };

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

/** Reads and checks the settings; throws SettingsError naming each bad variable. */
export function loadSettings(env: NodeJS.ProcessEnv): Settings {
  let routes: unknown;
  const rawRoutes = env[ENV.routes];
  if (rawRoutes !== undefined) {
    try {
      routes = JSON.parse(rawRoutes);
    } catch {
      throw new SettingsError(`${ENV.routes}: not valid JSON`);
    }
  }
  const input: Record<string, unknown> = { routes };
  for (const [key, name] of Object.entries(ENV)) {
    if (key !== 'routes' && env[name] !== undefined && env[name] !== '') input[key] = env[name];
  }
  const parsed = settingsSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const [head, ...rest] = issue.path;
      const variable = ENV[head as keyof typeof ENV] ?? String(head);
      const where = rest.length ? `${variable}[${rest.join('.')}]` : variable;
      return `${where}: ${issue.message}`;
    });
    throw new SettingsError(`invalid backup-mx settings:\n  ${problems.join('\n  ')}`);
  }
  return parsed.data as Settings;
}

/** The configuration set the notices go through, for the pause function (which needs no routes). */
export function loadNoticeConfigurationSet(env: NodeJS.ProcessEnv): string {
  const name = env[ENV.dsnConfigurationSet];
  if (!name) throw new SettingsError(`${ENV.dsnConfigurationSet}: missing (the SES configuration set the notices go through)`);
  return name;
}

/** The pause function's settings: the configuration set it pauses and the alarms its scheduled check reads. */
export function loadPauseSettings(env: NodeJS.ProcessEnv): { configurationSet: string; alarmNames: string[] } {
  const configurationSet = loadNoticeConfigurationSet(env);
  const text = env[ENV.noticeAlarms];
  const why = `${ENV.noticeAlarms}: expected a JSON list of the notices' reputation alarm names (the stack sets it)`;
  if (!text) throw new SettingsError(`${why}; missing`);
  let alarmNames: unknown;
  try {
    alarmNames = JSON.parse(text);
  } catch {
    throw new SettingsError(`${why}; got ${JSON.stringify(text.slice(0, 80))}`);
  }
  const parsed = z.array(z.string().min(1).max(255)).min(1).safeParse(alarmNames);
  if (!parsed.success) throw new SettingsError(`${why}; got ${JSON.stringify(text.slice(0, 80))}`);
  return { configurationSet, alarmNames: parsed.data };
}

/** The inverse of loadSettings, for the stack and the local runner. */
export function settingsToEnv(settings: Partial<Settings>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, name] of Object.entries(ENV)) {
    const value = settings[key as keyof Settings];
    if (value === undefined) continue;
    env[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return env;
}

/** What the canary function reads: it builds no engine (no routes, no SMTP), so it needs only these. */
export interface CanarySettings {
  tableName: string;
  canaryAddress: string;
  canaryIntervalMinutes?: number;
}

/** Reads the canary function's settings; throws SettingsError naming each missing or bad variable. */
export function loadCanarySettings(env: NodeJS.ProcessEnv): CanarySettings {
  const problems = [ENV.tableName, ENV.canaryAddress].filter((name) => !env[name]).map((name) => `${name}: required by the canary function`);
  const address = env[ENV.canaryAddress];
  if (address && !/^[a-z0-9.+-]+@[a-z0-9.-]+$/.test(address)) problems.push(`${ENV.canaryAddress}: expected canary@<canary domain>, got ${JSON.stringify(address.slice(0, 80))}`);
  const interval = env[ENV.canaryIntervalMinutes];
  if (interval !== undefined && !/^\d{1,4}$/.test(interval)) problems.push(`${ENV.canaryIntervalMinutes}: expected whole minutes`);
  if (problems.length > 0) throw new SettingsError(`invalid canary settings (the stack sets them: deploy again):\n  ${problems.join('\n  ')}`);
  return { tableName: env[ENV.tableName]!, canaryAddress: address!, ...(interval !== undefined ? { canaryIntervalMinutes: Number(interval) } : {}) };
}

/** What the trigger function reads: it builds no engine, so it needs only these. */
export interface TriggerSettings {
  tableName: string;
  /** The key's Secrets Manager secret (trigger.keySecretName); absent: the key is in the state table. */
  triggerSecretId?: string;
  probeFunctionName: string;
  routeTableDigest: string;
  /** A dimension of its TriggerRefused metric. */
  stackName: string;
}

/** Reads the trigger function's settings; throws SettingsError naming each missing or bad variable. */
export function loadTriggerSettings(env: NodeJS.ProcessEnv): TriggerSettings {
  const names = { tableName: ENV.tableName, probeFunctionName: ENV.probeFunctionName, routeTableDigest: ENV.routeTableDigest, stackName: ENV.stackName } as const;
  const problems = Object.values(names).filter((name) => !env[name]).map((name) => `${name}: required by the trigger function`);
  const digest = env[ENV.routeTableDigest];
  if (digest && !/^[0-9a-f]{64}$/.test(digest)) problems.push(`${ENV.routeTableDigest}: expected 64 hex digits`);
  if (problems.length > 0) throw new SettingsError(`invalid trigger settings (the stack sets them: deploy again):\n  ${problems.join('\n  ')}`);
  const secretId = env[ENV.triggerSecretId];
  return { ...(Object.fromEntries(Object.entries(names).map(([key, name]) => [key, env[name]!])) as Omit<TriggerSettings, 'triggerSecretId'>), ...(secretId ? { triggerSecretId: secretId } : {}) };
}
