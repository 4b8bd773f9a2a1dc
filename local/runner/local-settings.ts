// From the backupMx configuration to what the local runner provisions and
// the Settings its engine runs with: the stack's own mapping
// (lambdas/config/settings-from-config.ts) on fixed resource names, so a
// restart finds the same table, bucket, topics and queues.
import type { BackupMxConfig } from '../../lib/config/backup-mx-config.js';
import { loadSettings, settingsToEnv, type Settings } from '../../lambdas/config/settings.js';
import { CANARY_PREFIX, routePrefix } from '../../lambdas/config/mail-layout.js';
import { settingsFromConfig } from '../../lambdas/config/settings-from-config.js';
import type { ProvisionOptions, Provisioned } from '../provision.js';
import type { StandInRoute } from '../ses-standin/ses-standin.js';
import { canaryIntervalSecondsFromEnv, engineTuningFromEnv } from './runner-config.js';

export const DEFAULT_NAME_PREFIX = 'backupmx-local';

/** Local runs probe faster than the Lambda default so a stopped runner does not wait long. */
export const LOCAL_PROBE_TIMEOUT_MS = 5_000;

export function resourceNames(namePrefix = DEFAULT_NAME_PREFIX, config: BackupMxConfig): ProvisionOptions {
  return {
    bucketName: `${namePrefix}-mail`,
    tableName: `${namePrefix}-state`,
    deadLetterQueueName: `${namePrefix}-dlq`,
    routes: config.routes.map((route) => ({ name: route.name })),
    namePrefix: `${namePrefix}-`,
  };
}

/**
 * The engine settings for the provisioned resources. Values come from the
 * configuration; BACKUPMX_* tuning variables in `env` override them (e.g.
 * BACKUPMX_PROBE_INTERVAL_SECONDS=1, below the 10 s the stack allows).
 * Checked by loadSettings, so a bad variable is named.
 */
export function localSettings(config: BackupMxConfig, resources: Provisioned, env: NodeJS.ProcessEnv): Settings {
  const fromConfig = settingsFromConfig(config, {
    tableName: resources.tableName,
    bucketName: resources.bucketName,
    deadLetterQueueUrl: resources.deadLetterQueue.url,
    queueUrlOf: (name) => {
      const route = resources.routes.find((r) => r.name === name);
      if (!route) throw new Error(`route ${name} was not provisioned`);
      return route.queue.url;
    },
  });
  const variables = settingsToEnv({
    ...fromConfig,
    probeTimeoutMs: LOCAL_PROBE_TIMEOUT_MS,
    // The probe's canary-missing counts from the runner's own interval (BACKUPMX_CANARY_INTERVAL_SECONDS).
    ...(config.canary ? { canaryIntervalMinutes: Math.max(1, Math.ceil(canaryIntervalSecondsFromEnv(env, config.canary.intervalMinutes) / 60)) } : {}),
  });
  return loadSettings({ ...variables, ...engineTuningFromEnv(env) });
}

/**
 * The SES stand-in's routes, each as the stack configures its receipt rules:
 * its domains and allow-list, which the stand-in's router turns into the same
 * rules (lib/config/receipt-rule-chunks: an allow-list narrows only the domains
 * its addresses belong to, at most 100 entries a rule, one notification per rule).
 */
export function standInRoutes(config: BackupMxConfig, resources: Provisioned): StandInRoute[] {
  const routes: StandInRoute[] = config.routes.map((route) => {
    const provisioned = resources.routes.find((r) => r.name === route.name);
    if (!provisioned) throw new Error(`route ${route.name} was not provisioned`);
    const target = { name: route.name, topicArn: provisioned.topicArn, objectKeyPrefix: routePrefix(route.name) };
    return { ...target, domains: route.domains, ...(route.recipients ? { recipients: route.recipients } : {}), ...(route.recipientSync ? { synced: true } : {}) };
  });
  // The canary's own rule, as in the stack (lib/constructs/inbound-rules.ts): its address only,
  // its own prefix, the first route's topic. Nothing to keep across a restart: not spooled.
  if (config.canary) {
    routes.push({ name: CANARY_STAND_IN_RULE, topicArn: routes[0]!.topicArn, objectKeyPrefix: CANARY_PREFIX, domains: [], recipients: [config.canary.address], ephemeral: true });
  }
  return routes;
}

/** The stand-in's name for the canary's rule: no route can be called that. */
export const CANARY_STAND_IN_RULE = '_canary';
