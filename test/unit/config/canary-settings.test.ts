// The canary's settings: the configuration (on by default, off with false,
// bounds that name the field) and the environment the stack writes for the
// canary function, accept and the drain (checked where they are read).
import { describe, expect, it } from 'vitest';
import { parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';
import { ENV, loadCanarySettings, loadSettings, settingsToEnv } from '../../../lambdas/config/settings.js';
import { makeCanaryHandler } from '../../../lambdas/handlers/canary.js';
import { awsSendCanary } from '../../../lambdas/app/canary-app.js';

const base = { region: 'us-east-1', routes: [{ name: 'corp', domains: ['example.com', 'example.org'], primary: { host: 'mail.example.com', port: 587 } }] };
const problems = (raw: unknown) => {
  try {
    parseBackupMxConfig(raw);
    return [];
  } catch (error) {
    return (error as { problems: string[] }).problems;
  }
};

describe('canary configuration', () => {
  it('is on by default: hourly, to canary@canary.<first domain of the first route>', () => {
    expect(parseBackupMxConfig(base).canary).toEqual({ intervalMinutes: 60, domain: 'canary.example.com', address: 'canary@canary.example.com' });
  });

  it('switches off with false (also "false" from -c), and takes its own interval and domain', () => {
    expect(parseBackupMxConfig({ ...base, canary: false }).canary).toBe(false);
    expect(parseBackupMxConfig({ ...base, canary: 'false' }).canary).toBe(false);
    expect(parseBackupMxConfig({ ...base, canary: { intervalMinutes: '15', domain: 'Probe.Example.NET' } }).canary).toEqual({ intervalMinutes: 15, domain: 'probe.example.net', address: 'canary@probe.example.net' });
  });

  it.each([
    [{ intervalMinutes: 4 }, 'backupMx.canary.intervalMinutes: expected 5–720 (a canary at most every 5 minutes, at least twice a day), got 4'],
    [{ intervalMinutes: 721 }, 'backupMx.canary.intervalMinutes: expected 5–720 (a canary at most every 5 minutes, at least twice a day), got 721'],
    [{ domain: 'not a domain' }, 'backupMx.canary.domain: expected a domain name such as "example.com", got "not a domain"'],
    [{ every: 60 }, 'backupMx.canary: unknown field "every"'],
    [true, 'backupMx.canary: expected false or an object like { "intervalMinutes": 60 }'],
    [{ domain: 'example.org' }, 'backupMx.canary.domain: "example.org" is a domain of routes[0]; the canary needs a subdomain of its own whose only MX is SES (e.g. "canary.example.org"), or set "canary": false'],
  ])('%j → %s', (canary, problem) => {
    expect(problems({ ...base, canary })).toEqual([problem]);
  });
});

describe('canary settings in the environment', () => {
  const engineEnv = (extra: Record<string, string>) => ({
    ...settingsToEnv({ routes: [{ name: 'corp', domains: ['example.com'], primary: { host: 'h', port: 25, tls: 'none' }, queueUrl: 'q', bouncePolicy: 'dsn' }], tableName: 't', bucketName: 'b', deadLetterQueueUrl: 'd' }),
    ...extra,
  });

  it('accept and the drain read the address and its route together, or neither', () => {
    expect(loadSettings(engineEnv({ [ENV.canaryAddress]: 'canary@canary.example.com', [ENV.canaryRoute]: 'corp' }))).toMatchObject({ canaryAddress: 'canary@canary.example.com', canaryRoute: 'corp' });
    expect(loadSettings(engineEnv({})).canaryAddress).toBeUndefined();
    expect(() => loadSettings(engineEnv({ [ENV.canaryAddress]: 'canary@canary.example.com' }))).toThrow(/BACKUPMX_CANARY_ADDRESS: BACKUPMX_CANARY_ADDRESS and BACKUPMX_CANARY_ROUTE go together/);
  });

  it('the canary function needs its table and address, and says which is missing', () => {
    expect(loadCanarySettings({ [ENV.tableName]: 't', [ENV.canaryAddress]: 'canary@canary.example.com', [ENV.canaryIntervalMinutes]: '60' })).toEqual({ tableName: 't', canaryAddress: 'canary@canary.example.com', canaryIntervalMinutes: 60 });
    expect(() => loadCanarySettings({})).toThrow(/BACKUPMX_TABLE_NAME: required by the canary function\n  BACKUPMX_CANARY_ADDRESS: required by the canary function/);
    expect(() => loadCanarySettings({ [ENV.tableName]: 't', [ENV.canaryAddress]: 'not an address' })).toThrow(/BACKUPMX_CANARY_ADDRESS: expected canary@<canary domain>/);
    expect(() => awsSendCanary({})).toThrow(/invalid canary settings/);
  });

  it('the handler runs the use case once per invocation and returns its result', async () => {
    let sends = 0;
    const handler = makeCanaryHandler(() => ({ send: async () => ({ sent: false as const, reason: `r${++sends}` }) }) as never);
    expect(await handler()).toEqual({ sent: false, reason: 'r1' });
    expect(await handler()).toEqual({ sent: false, reason: 'r2' });
  });
});
