// The one mapping from the backupMx configuration to the engine's Settings.
// The stack (lib/constructs/mail-functions.ts, route-table.ts) writes it into
// each function's environment and the route table; the local runner
// (local/runner/local-settings.ts) hands it to its engine. Only where things
// are (table, bucket, queue URLs) comes from the caller: CloudFormation tokens
// at synth, emulator URLs locally.
import type { BackupMxConfig } from '../../lib/config/backup-mx-config.js';
import { noticePolicy } from '../../lib/config/backscatter-check.js';
import type { Route } from '../core/model.js';
import { DEFAULT_SMTP_TIMEOUT_MS, type Settings } from './settings.js';

/** One route as the engine reads it, before its queue URL is known. */
export type DeployedRoute = Omit<Route, 'queueUrl'>;

/** Where the configured resources are: tokens in the stack, URLs of the emulators locally. */
export interface ResourcePlaces {
  tableName: string;
  bucketName: string;
  deadLetterQueueUrl: string;
  queueUrlOf: (route: string) => string;
}

/** What the configuration decides of the Settings (the rest is the platform's: function names, stack name, …). */
export type ConfigSettings = Pick<
  Settings,
  | 'routes'
  | 'tableName'
  | 'bucketName'
  | 'deadLetterQueueUrl'
  | 'hostname'
  | 'minBackoffSeconds'
  | 'maxBackoffSeconds'
  | 'queueLifetimeSeconds'
  | 'probeIntervalSeconds'
  | 'smtpTimeoutMs'
  | 'primaryDownMinutes'
  | 'oldestMessageAgeMinutes'
  | 'backlogMessages'
> &
  Partial<Pick<Settings, 'canaryAddress' | 'canaryRoute' | 'canaryIntervalMinutes'>>;

/** Keys every engine function carries: how it retries, names itself and times out. */
export const TUNING_KEYS = ['hostname', 'minBackoffSeconds', 'maxBackoffSeconds', 'queueLifetimeSeconds', 'probeIntervalSeconds', 'smtpTimeoutMs'] as const;
/** Keys only the probe carries: what it evaluates the route conditions against (core/problems). */
export const PROBE_CONDITION_KEYS = ['primaryDownMinutes', 'oldestMessageAgeMinutes', 'backlogMessages', 'canaryIntervalMinutes'] as const;

/** The one definition of a route in the engine's settings, from its configuration. */
export function deployedRoute(route: BackupMxConfig['routes'][number], config: Pick<BackupMxConfig, 'delayWarningHours' | 'dsnPerHour'>): DeployedRoute {
  const hours = route.delayWarningHours ?? config.delayWarningHours;
  return {
    name: route.name,
    domains: route.domains,
    primary: deployedPrimary(route.primary),
    bouncePolicy: route.bouncePolicy,
    // Only when on: keeps the table short.
    ...(hours > 0 ? { delayWarningSeconds: hours * 3_600 } : {}),
    // The notice budget and the recipient-list fact (backscatter-check.ts).
    ...noticePolicy(route, config),
    ...(route.arc ? { arc: route.arc } : {}),
    // The push function and the rule writer read a synced route's limits from the (digest-checked) table.
    ...(route.recipientSync ? { recipientSync: { maxShrinkPercent: route.recipientSync.maxShrinkPercent, maxAddresses: route.recipientSync.maxAddresses } } : {}),
  };
}

/** The primary as the engine sees it: forwardClient only when on (absent is "none"). */
function deployedPrimary(primary: BackupMxConfig['routes'][number]['primary']): DeployedRoute['primary'] {
  const { forwardClient, ...rest } = primary;
  return forwardClient === 'none' ? rest : { ...rest, forwardClient };
}

/** The engine's settings for `config` with its resources at `places`. */
export function settingsFromConfig(config: BackupMxConfig, places: ResourcePlaces): ConfigSettings {
  return {
    routes: config.routes.map((route) => ({ ...deployedRoute(route, config), queueUrl: places.queueUrlOf(route.name) })),
    tableName: places.tableName,
    bucketName: places.bucketName,
    deadLetterQueueUrl: places.deadLetterQueueUrl,
    hostname: config.hostname,
    minBackoffSeconds: config.retry.minBackoffSeconds,
    maxBackoffSeconds: config.retry.maxBackoffSeconds,
    queueLifetimeSeconds: config.queueLifetimeDays * 86_400,
    probeIntervalSeconds: config.probeIntervalSeconds,
    // The drain sizes its time budget from it (drainReserveSeconds).
    smtpTimeoutMs: DEFAULT_SMTP_TIMEOUT_MS,
    primaryDownMinutes: config.alarms.primaryDownMinutes,
    oldestMessageAgeMinutes: config.alarms.oldestMessageAgeMinutes,
    backlogMessages: config.alarms.backlogMessages,
    // The canary rides the first route; the probe counts its arrivals by the interval.
    ...(config.canary ? { canaryAddress: config.canary.address, canaryRoute: config.routes[0]!.name, canaryIntervalMinutes: config.canary.intervalMinutes } : {}),
  };
}

/** The named keys of `settings` that are set. */
export function pickSettings<K extends keyof ConfigSettings>(settings: ConfigSettings, keys: readonly K[]): Partial<Pick<ConfigSettings, K>> {
  const picked: Partial<Pick<ConfigSettings, K>> = {};
  for (const key of keys) if (settings[key] !== undefined) picked[key] = settings[key];
  return picked;
}
