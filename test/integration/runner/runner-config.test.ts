// What the runner reads before it starts: the configuration file (context
// file or cdk.json), its own variables, and the settings and stand-in rules
// it derives from them, with errors that name the file or the variable.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettingsError } from '../../../lambdas/config/settings.js';
import { localSettings, resourceNames, standInRoutes } from '../../../local/runner/local-settings.js';
import { LineOutput } from '../../../local/runner/line-output.js';
import { Narration } from '../../../local/runner/narration.js';
import { RecipientRouter } from '../../../local/ses-standin/recipient-router.js';
import { loadRunnerConfig, pushIntervalFromEnv, readRunnerEnv, RunnerConfigError } from '../../../local/runner/runner-config.js';
import type { Provisioned } from '../../../local/provision.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'backupmx-config-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function contextFile(name: string, content: unknown): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const route = { name: 'corp', domains: ['example.com', 'example.org'], recipients: ['alice@example.com'], primary: { host: '127.0.0.1', port: 2526 } };

function provisioned(routes: string[]): Provisioned {
  return {
    bucketName: 'b',
    tableName: 't',
    deadLetterQueue: { name: 'dlq', url: 'http://q/dlq', arn: 'arn:aws:sqs:us-east-1:000000000000:dlq' },
    routes: routes.map((name) => ({ name, topicArn: `arn:aws:sns:us-east-1:000000000000:${name}`, queue: { name, url: `http://q/${name}`, arn: `arn:q:${name}` } })),
  };
}

describe('loadRunnerConfig', () => {
  it('reads BACKUPMX_CONTEXT_FILE relative to the working directory and fills the defaults', async () => {
    await contextFile('ctx.json', { backupMx: { routes: [route] } });
    const loaded = await loadRunnerConfig({ BACKUPMX_CONTEXT_FILE: 'ctx.json' }, dir);
    expect(loaded.fromCdkJson).toBe(false);
    expect(loaded.source).toBe(path.join(dir, 'ctx.json'));
    expect(loaded.config).toMatchObject({ region: 'us-east-1', hostname: 'backup-mx.example.com', queueLifetimeDays: 5, routes: [{ name: 'corp', bouncePolicy: 'dsn', primary: { tls: 'opportunistic' } }] });
  });

  it("falls back to cdk.json's context when no context file is named", async () => {
    const loaded = await loadRunnerConfig({}, dir);
    expect(loaded.fromCdkJson).toBe(true);
    expect(path.basename(loaded.source)).toBe('cdk.json');
    expect(loaded.config.routes.length).toBeGreaterThan(0);
  });

  it('names the file and the field when something is wrong', async () => {
    await expect(loadRunnerConfig({ BACKUPMX_CONTEXT_FILE: path.join(dir, 'missing.json') })).rejects.toThrow(/BACKUPMX_CONTEXT_FILE: cannot read .*missing\.json \(no such file\)/);
    await contextFile('not-json.json', '{"backupMx": ');
    await expect(loadRunnerConfig({ BACKUPMX_CONTEXT_FILE: path.join(dir, 'not-json.json') })).rejects.toThrow(/not-json\.json: not valid JSON/);
    // A whole cdk.json is not a context file: backupMx must be at the top.
    await contextFile('cdk-shaped.json', { context: { backupMx: { routes: [route] } } });
    await expect(loadRunnerConfig({ BACKUPMX_CONTEXT_FILE: path.join(dir, 'cdk-shaped.json') })).rejects.toThrow(/no "backupMx" object at the top level/);
    await contextFile('bad-port.json', { backupMx: { routes: [{ ...route, primary: { host: 'mx.example.com', port: 70000 } }] } });
    const error = await loadRunnerConfig({ BACKUPMX_CONTEXT_FILE: path.join(dir, 'bad-port.json') }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(RunnerConfigError);
    expect((error as Error).message).toMatch(/bad-port\.json: .*backupMx\.routes\[0\]\.primary\.port/s);
  });

  it('refuses an invalid IPv4 literal as the primary host (npm start parses what synth parses)', async () => {
    await contextFile('bad-host.json', { backupMx: { routes: [{ ...route, primary: { host: '999.1.1.1', port: 25 } }] } });
    const error = await loadRunnerConfig({ BACKUPMX_CONTEXT_FILE: path.join(dir, 'bad-host.json') }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(RunnerConfigError);
    expect((error as Error).message).toMatch(/bad-host\.json: invalid backupMx context:\n  - backupMx\.routes\[0\]\.primary\.host: "999\.1\.1\.1" is not an IPv4 address .*: correct the address, or give the primary's DNS name/);
  });
});

describe('loadRunnerConfig: AUTH only over authenticated TLS (npm start parses what synth parses)', () => {
  it('refuses authSecretName with tls "required", naming the field and both fixes', async () => {
    await contextFile('auth-required.json', { backupMx: { routes: [{ ...route, primary: { ...route.primary, tls: 'required', authSecretName: 'backup-mx/corp' } }] } });
    const error = await loadRunnerConfig({ BACKUPMX_CONTEXT_FILE: path.join(dir, 'auth-required.json') }).catch((e: Error) => e);
    // run.ts prints a RunnerConfigError as one line: "backup-mx local: could not start: <message>".
    expect(error).toBeInstanceOf(RunnerConfigError);
    expect((error as Error).message).toMatch(/auth-required\.json: invalid backupMx context:\n  - backupMx\.routes\[0\]\.primary\.tls: "required" takes any certificate/);
    expect((error as Error).message).toContain('use "tls": "verify" when 127.0.0.1 has a certificate from a public CA');
    expect((error as Error).message).toContain('or "tls": "fingerprint" with "tlsFingerprints"');
  });

  it('takes authSecretName with tls "fingerprint" and a pin', async () => {
    const pin = `sha256:${'0A:'.repeat(31)}0A`;
    await contextFile('auth-pinned.json', { backupMx: { routes: [{ ...route, primary: { ...route.primary, tls: 'fingerprint', tlsFingerprints: [pin], authSecretName: 'backup-mx/corp' } }] } });
    const loaded = await loadRunnerConfig({ BACKUPMX_CONTEXT_FILE: path.join(dir, 'auth-pinned.json') });
    expect(loaded.config.routes[0]!.primary).toMatchObject({ tls: 'fingerprint', tlsFingerprints: [pin] });
    // …and hands both to the engine, as the stack writes them into the route table.
    expect(localSettings(loaded.config, provisioned(['corp']), {}).routes[0]!.primary).toMatchObject({ tls: 'fingerprint', tlsFingerprints: [pin], authSecretName: 'backup-mx/corp' });
  });
});

describe('readRunnerEnv', () => {
  it('defaults to port 2525 in memory on the embedded emulators', () => {
    expect(readRunnerEnv({})).toEqual({ smtpPort: 2525 });
  });

  it('resolves the data dir and takes an endpoint', () => {
    expect(readRunnerEnv({ BACKUPMX_SMTP_PORT: '0', BACKUPMX_DATA_DIR: 'state', AWS_ENDPOINT_URL: 'http://localhost:4566' }, '/srv')).toEqual({
      smtpPort: 0,
      dataDir: '/srv/state',
      endpoint: 'http://localhost:4566',
    });
  });

  it('refuses a bad port or endpoint, naming the variable', () => {
    expect(() => readRunnerEnv({ BACKUPMX_SMTP_PORT: 'smtp' })).toThrow(/BACKUPMX_SMTP_PORT: not a port number: smtp/);
    expect(() => readRunnerEnv({ AWS_ENDPOINT_URL: 'localhost:4566' })).toThrow(/AWS_ENDPOINT_URL: not an http\(s\) URL/);
  });
});

describe('pushIntervalFromEnv', () => {
  it('is unset by default (the function\'s minute), takes whole seconds, and refuses anything else naming the variable', () => {
    expect(pushIntervalFromEnv({})).toBeUndefined();
    expect(pushIntervalFromEnv({ BACKUPMX_PUSH_INTERVAL_SECONDS: '1' })).toBe(1);
    for (const bad of ['-1', '1.5', 'soon']) expect(() => pushIntervalFromEnv({ BACKUPMX_PUSH_INTERVAL_SECONDS: bad })).toThrow(/BACKUPMX_PUSH_INTERVAL_SECONDS: expected a whole number of seconds/);
  });
});

describe('localSettings and standInRoutes', () => {
  it('maps the configuration like the stack does, and lets BACKUPMX_* variables tune it', async () => {
    await contextFile('tuned.json', { backupMx: { routes: [route], retry: { minBackoffSeconds: 30, maxBackoffSeconds: 600 }, queueLifetimeDays: 2 } });
    const { config } = await loadRunnerConfig({ BACKUPMX_CONTEXT_FILE: path.join(dir, 'tuned.json') });
    const names = resourceNames('backupmx-x', config);
    expect(names).toMatchObject({ bucketName: 'backupmx-x-mail', tableName: 'backupmx-x-state', deadLetterQueueName: 'backupmx-x-dlq', routes: [{ name: 'corp' }] });

    const settings = localSettings(config, provisioned(['corp']), { BACKUPMX_PROBE_INTERVAL_SECONDS: '1' });
    expect(settings).toMatchObject({
      tableName: 't',
      bucketName: 'b',
      deadLetterQueueUrl: 'http://q/dlq',
      hostname: 'backup-mx.example.com',
      minBackoffSeconds: 30,
      maxBackoffSeconds: 600,
      queueLifetimeSeconds: 2 * 86_400,
      probeIntervalSeconds: 1,
      routes: [{ name: 'corp', queueUrl: 'http://q/corp', bouncePolicy: 'dsn', primary: { host: '127.0.0.1', port: 2526, tls: 'opportunistic' } }],
    });
    expect(settings.drainFunctionName).toBeUndefined(); // drains run in-process
    expect(() => localSettings(config, provisioned(['corp']), { BACKUPMX_PROBE_INTERVAL_SECONDS: '0' })).toThrow(SettingsError);
    expect(() => localSettings(config, provisioned(['corp']), { BACKUPMX_PROBE_INTERVAL_SECONDS: '0' })).toThrow(/BACKUPMX_PROBE_INTERVAL_SECONDS/);
  });

  it('carries the stack\'s notice budget (global, per route) and whether SES takes any recipient, and warns at start as synth does', async () => {
    const open = { name: 'open', domains: ['open.test'], primary: { host: 'mx.open.test', port: 25 }, dsnPerHour: 7 };
    const listed = { ...route, domains: ['example.com'] };
    await contextFile('notices.json', { backupMx: { routes: [listed, open], dsnPerHour: 40 } });
    const { config } = await loadRunnerConfig({ BACKUPMX_CONTEXT_FILE: path.join(dir, 'notices.json') });
    const settings = localSettings(config, provisioned(['corp', 'open']), {});
    expect(settings.routes[0]).toMatchObject({ name: 'corp', dsnPerHour: 40 });
    expect(settings.routes[0]!.anyRecipient).toBeUndefined();
    expect(settings.routes[1]).toMatchObject({ name: 'open', dsnPerHour: 7, anyRecipient: true });
    const lines: string[] = [];
    new Narration(new LineOutput((line) => lines.push(line)), config, false).routes(60, 2525);
    const warnings = lines.filter((l) => l.includes('warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('route "open" has no recipient list for open.test and bouncePolicy "dsn"');
    expect(warnings[0]).toContain('at most 7 an hour');
  });

  it('starts with an alarmEmail in a protected domain (it sends no alarms) and says that synth will refuse it, or warn with the override', async () => {
    const start = async (file: string, alarms: Record<string, unknown>) => {
      await contextFile(file, { backupMx: { routes: [route], alarmEmail: 'ops@example.com', alarms } });
      const { config } = await loadRunnerConfig({ BACKUPMX_CONTEXT_FILE: path.join(dir, file) });
      const lines: string[] = [];
      new Narration(new LineOutput((line) => lines.push(line)), config, false).routes(60, 2525);
      return lines.filter((l) => l.includes('alarmEmail'));
    };
    const refused = await start('protected-alarm.json', {});
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/warning: `cdk synth` will refuse this configuration \(the local runner sends no alarms\): backupMx\.alarmEmail: "ops@example\.com" is in example\.com, which route "corp" protects/);
    const allowed = await start('protected-alarm-allowed.json', { allowProtectedEmail: true });
    expect(allowed).toHaveLength(1);
    expect(allowed[0]).toMatch(/warning: alarmEmail "ops@example\.com" is in example\.com.*alarms\.webhookUrls/);
    expect(allowed[0]).not.toContain('refuse');
    await contextFile('elsewhere-alarm.json', { backupMx: { routes: [route], alarmEmail: 'ops@alerts.example.net' } });
    const { config } = await loadRunnerConfig({ BACKUPMX_CONTEXT_FILE: path.join(dir, 'elsewhere-alarm.json') });
    const lines: string[] = [];
    new Narration(new LineOutput((line) => lines.push(line)), config, false).routes(60, 2525);
    expect(lines.filter((l) => l.includes('alarmEmail'))).toEqual([]);
  });

  it('narrows only the domains the allow-list mentions, as the SES rule does', async () => {
    await contextFile('allow.json', { backupMx: { routes: [route, { name: 'open', domains: ['open.test'], primary: { host: 'mx.open.test', port: 25 } }] } });
    const { config } = await loadRunnerConfig({ BACKUPMX_CONTEXT_FILE: path.join(dir, 'allow.json') });
    const routes = standInRoutes(config, provisioned(['corp', 'open']));
    expect(routes).toEqual([
      { name: 'corp', topicArn: 'arn:aws:sns:us-east-1:000000000000:corp', objectKeyPrefix: 'mail/corp/', domains: ['example.com', 'example.org'], recipients: ['alice@example.com'] },
      { name: 'open', topicArn: 'arn:aws:sns:us-east-1:000000000000:open', objectKeyPrefix: 'mail/open/', domains: ['open.test'] },
      // The canary's rule (on by default): its address alone, the first route's topic.
      { name: '_canary', topicArn: 'arn:aws:sns:us-east-1:000000000000:corp', objectKeyPrefix: 'mail/_canary/', domains: [], recipients: ['canary@canary.example.com'], ephemeral: true },
    ]);
    // The stand-in's router makes the SES rules of them: example.com only for alice, all of example.org.
    const router = new RecipientRouter(routes);
    expect(router.routeFor('alice@example.com')).toBe('corp');
    expect(router.routeFor('bob@example.com')).toBeUndefined();
    expect(router.routeFor('bob@example.org')).toBe('corp');
    expect(router.routeFor('x@open.test')).toBe('open');
    expect(router.routeFor('canary@canary.example.com')).toBe('_canary');
    expect(router.routeFor('postmaster@canary.example.com')).toBeUndefined();
  });
});
