// One BackupMxConfig → Settings: what a deployed Lambda reads back from its
// synthesized environment and the route table equals what `npm start` hands
// its engine, but for what is legitimately local (where the resources are,
// the names of functions and stack, the shorter probe timeout).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV, loadSettings, type Settings } from '../../../lambdas/config/settings.js';
import { localSettings } from '../../../local/runner/local-settings.js';
import type { Provisioned } from '../../../local/provision.js';
import { buildStack, deployedRoutes, functionId, resources } from '../../support/cdk/stack-fixture.js';
import { evaluateCfn } from '../../support/cdk/cfn-evaluate.js';

const SHIPPED = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')).context.backupMx as Record<string, unknown>;

const PIN = `sha256:${'0A:'.repeat(31)}0A`;
/** Two routes with AUTH, ARC, notice budgets, a recipient list and their own delay warnings; tuned retry and alarms. */
const MULTI = {
  region: 'us-east-1',
  hostname: 'backup.example.com',
  queueLifetimeDays: 3,
  probeIntervalSeconds: 20,
  retry: { minBackoffSeconds: 120, maxBackoffSeconds: 1_800 },
  delayWarningHours: 6,
  dsnPerHour: 40,
  alarms: { primaryDownMinutes: 9, oldestMessageAgeMinutes: 45, backlogMessages: 300 },
  canary: { intervalMinutes: 30 },
  routes: [
    {
      name: 'corp',
      domains: ['example.com', 'example.org'],
      recipients: ['alice@example.com', 'bob@example.com'],
      primary: { host: 'mail.example.com', port: 587, tls: 'fingerprint', tlsFingerprints: [PIN], authSecretName: 'backup-mx/corp', maxSessions: 4, messagesInFlight: 12, forwardClient: 'xclient' },
      arc: { domain: 'backup.example.org', selector: 'arc2026', keySecretName: 'backup-mx/arc-key' },
      delayWarningHours: 0,
    },
    {
      name: 'lab',
      domains: ['lab.example.net'],
      bouncePolicy: 'dead-letter',
      dsnPerHour: 5,
      primary: { host: 'mx.lab.example.net', port: 465, tls: 'verify', authSecretName: 'backup-mx/lab' },
    },
  ],
};

/** Fields that say where things are or what they are called, or are local by design (LOCAL_PROBE_TIMEOUT_MS). */
const LOCAL_ONLY = ['tableName', 'bucketName', 'deadLetterQueueUrl', 'drainFunctionName', 'probeFunctionName', 'stackName', 'dsnConfigurationSet', 'routeTableDigest', 'triggerSecretId', 'detailedMetrics', 'probeTimeoutMs'] as const;
const ENGINE_FUNCTIONS = ['checks each primary', 'delivers one route queue', 'indexes each message'];

function withoutLocal(settings: Partial<Settings>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...settings };
  for (const key of LOCAL_ONLY) delete copy[key];
  copy.routes = settings.routes?.map(({ queueUrl: _queueUrl, ...route }) => route);
  for (const [key, value] of Object.entries(copy)) if (value === undefined) delete copy[key];
  return copy;
}

/**
 * The settings the engine functions run with, as one object: each function
 * reads its environment plus the route table; a key set on several
 * functions must read the same on each, a key set on none is the default.
 */
function lambdaSettings(context: Record<string, unknown>): Partial<Settings> {
  const { template } = buildStack(context);
  const routes = JSON.stringify(deployedRoutes(template));
  const functions = resources(template, 'AWS::Lambda::Function');
  const merged: Record<string, unknown> = {};
  let defaults: Settings | undefined;
  for (const text of ENGINE_FUNCTIONS) {
    const env = evaluateCfn(functions[functionId(template, text)]!.Properties!.Environment.Variables) as Record<string, string>;
    const settings = loadSettings({ ...env, [ENV.routes]: routes });
    defaults ??= settings;
    for (const [key, name] of Object.entries(ENV)) {
      if (env[name] === undefined) continue;
      const value = settings[key as keyof Settings];
      if (key in merged) expect(value, `${name} differs between the functions`).toEqual(merged[key]);
      merged[key] = value;
    }
    expect(settings.routes).toEqual(defaults.routes);
  }
  return { ...defaults!, ...merged };
}

function provisioned(context: { routes: { name: string }[] }): Provisioned {
  return {
    bucketName: 'local-mail',
    tableName: 'local-state',
    deadLetterQueue: { name: 'dlq', url: 'http://127.0.0.1:1/dlq', arn: 'arn:aws:sqs:us-east-1:000000000000:dlq' },
    routes: context.routes.map(({ name }) => ({ name, topicArn: `arn:aws:sns:us-east-1:000000000000:${name}`, queue: { name, url: `http://127.0.0.1:1/${name}`, arn: `arn:q:${name}` } })),
  };
}

describe('one BackupMxConfig → Settings for the stack and the local runner', () => {
  for (const [label, context] of [
    ['the shipped cdk.json', SHIPPED],
    ['two routes with AUTH, ARC, notice budgets and tuned alarms', MULTI],
  ] as const) {
    it(`${label}: the Lambdas read what npm start runs with`, () => {
      const { config } = buildStack(context);
      const local = localSettings(config, provisioned(context as { routes: { name: string }[] }), {});
      const deployed = lambdaSettings(context);
      expect(withoutLocal(local)).toEqual(withoutLocal(deployed));
      // Not vacuous: the routes carry what the configuration said.
      expect(local.routes.map((r) => r.name)).toEqual((context.routes as { name: string }[]).map((r) => r.name));
    });
  }

  it('carries every configured field of the multi-route case into the settings', () => {
    const deployed = lambdaSettings(MULTI);
    expect(deployed).toMatchObject({
      hostname: 'backup.example.com',
      minBackoffSeconds: 120,
      maxBackoffSeconds: 1_800,
      queueLifetimeSeconds: 3 * 86_400,
      probeIntervalSeconds: 20,
      primaryDownMinutes: 9,
      oldestMessageAgeMinutes: 45,
      backlogMessages: 300,
      canaryIntervalMinutes: 30,
      canaryRoute: 'corp',
    });
    expect(deployed.routes![0]).toMatchObject({ primary: { authSecretName: 'backup-mx/corp', tlsFingerprints: [PIN], maxSessions: 4, forwardClient: 'xclient' }, arc: { selector: 'arc2026' }, dsnPerHour: 40 });
    expect(deployed.routes![1]!.primary).not.toHaveProperty('forwardClient'); // "none" (the default) is absent
    expect(deployed.routes![0]!.delayWarningSeconds).toBeUndefined();
    expect(deployed.routes![1]).toMatchObject({ bouncePolicy: 'dead-letter', dsnPerHour: 5, delayWarningSeconds: 6 * 3_600, anyRecipient: true });
  });

  it('the local runner differs only where it must: its resources and its shorter probe timeout', () => {
    const { config } = buildStack(MULTI);
    const local = localSettings(config, provisioned(MULTI), {});
    expect(local).toMatchObject({ tableName: 'local-state', bucketName: 'local-mail', probeTimeoutMs: 5_000 });
    expect(local.routes.map((r) => r.queueUrl)).toEqual(['http://127.0.0.1:1/corp', 'http://127.0.0.1:1/lab']);
  });
});
