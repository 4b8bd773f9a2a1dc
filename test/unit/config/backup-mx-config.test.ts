import { describe, expect, it } from 'vitest';
import {
  BackupMxConfigError,
  MAX_QUEUE_LIFETIME_DAYS,
  MAX_RULE_RECIPIENTS,
  parseBackupMxConfig,
  ruleRecipients,
} from '../../../lib/config/backup-mx-config.js';
import { SES_RECEIVING_REGIONS, isSesInboundHost } from '../../../lib/config/ses-receiving-regions.js';

const route = (over: Record<string, unknown> = {}) => ({
  name: 'corp',
  domains: ['example.com'],
  primary: { host: 'mail.example.com', port: 587 },
  ...over,
});
const valid = (over: Record<string, unknown> = {}) => ({ region: 'eu-west-1', routes: [route()], ...over });

function problemsOf(raw: unknown, opts?: { region?: string }): string[] {
  try {
    parseBackupMxConfig(raw, opts);
  } catch (error) {
    expect(error).toBeInstanceOf(BackupMxConfigError);
    expect((error as Error).name).toBe('BackupMxConfigError');
    return (error as BackupMxConfigError).problems;
  }
  throw new Error('expected the context to be rejected');
}

describe('parseBackupMxConfig: accepted input', () => {
  it('fills every default', () => {
    const config = parseBackupMxConfig(valid());
    expect(config).toMatchObject({
      stackName: 'BackupMx',
      region: 'eu-west-1',
      queueLifetimeDays: 5,
      retry: { minBackoffSeconds: 300, maxBackoffSeconds: 3600 },
      probeIntervalSeconds: 60,
      tlsPolicy: 'optional',
      egress: 'none',
      ruleSet: { name: 'backup-mx', activation: 'if-none-active' },
      hostname: 'backup-mx.example.com',
      alarms: { oldestMessageAgeMinutes: 60, backlogMessages: 100, primaryDownMinutes: 15 },
    });
    expect(config.routes[0]).toMatchObject({ bouncePolicy: 'dsn', primary: { tls: 'opportunistic' } });
    expect(config.alarmEmail).toBeUndefined();
  });

  it('accepts the whole context as a JSON string with numbers written as strings (as -c gives them)', () => {
    const config = parseBackupMxConfig(
      JSON.stringify(valid({ queueLifetimeDays: '7', routes: [route({ primary: { host: 'mx.example.com', port: '25' } })] })),
    );
    expect(config.queueLifetimeDays).toBe(7);
    expect(config.routes[0]!.primary.port).toBe(25);
  });

  it('normalizes domains and recipient domains to lower case', () => {
    const config = parseBackupMxConfig(
      valid({ routes: [route({ domains: ['Example.COM'], recipients: ['Alice@EXAMPLE.com'] })] }),
    );
    expect(config.routes[0]!.domains).toEqual(['example.com']);
    expect(config.routes[0]!.recipients).toEqual(['Alice@example.com']);
  });

  it('takes the region from the environment when the context has none', () => {
    const { region: _omit, ...noRegion } = valid();
    expect(parseBackupMxConfig(noRegion, { region: 'us-west-2' }).region).toBe('us-west-2');
  });
});

describe('parseBackupMxConfig: rejections name the field and the value', () => {
  it('bad port', () => {
    expect(problemsOf(valid({ routes: [route({ primary: { host: 'mx.example.com', port: 'abc' } })] }))).toContain(
      'backupMx.routes[0].primary.port: expected 1–65535, got "abc"',
    );
  });

  it('lists every problem at once', () => {
    const problems = problemsOf(
      valid({ egress: 'nat', routes: [route({ primary: { host: 'mx.example.com', port: 0, tls: 'tls' } })] }),
    );
    expect(problems).toEqual([
      'backupMx.routes[0].primary.port: expected 1–65535, got 0',
      'backupMx.routes[0].primary.tls: expected "none" | "opportunistic" | "required" | "verify" | "fingerprint", got "tls"',
      'backupMx.egress.mode: expected "none" | "vpc-nat" | "vpc-nat-instance", got "nat"',
    ]);
  });

  it('missing context and invalid JSON', () => {
    expect(problemsOf(undefined)[0]).toMatch(/^backupMx: missing/);
    expect(problemsOf('{"routes": [')[0]).toMatch(/^backupMx: not valid JSON/);
  });

  it('no routes', () => {
    expect(problemsOf(valid({ routes: [] }))).toEqual(['backupMx.routes: no routes; add at least one route']);
  });

  it('duplicate domains across routes, whatever their case', () => {
    const problems = problemsOf(
      valid({ routes: [route(), route({ name: 'other', domains: ['EXAMPLE.com'], primary: { host: 'mx2.example.net', port: 587 } })] }),
    );
    expect(problems).toEqual([
      'backupMx.routes[1].domains[0]: "example.com" is already listed in routes[0] ("corp"); each domain belongs to one route',
    ]);
  });

  it('duplicate route names', () => {
    const problems = problemsOf(valid({ routes: [route(), route({ domains: ['example.net'] })] }));
    expect(problems).toEqual(['backupMx.routes[1].name: "corp" is already used by routes[0]']);
  });

  it('invalid domain names and addresses', () => {
    const problems = problemsOf(
      valid({ alarmEmail: 'ops', routes: [route({ domains: ['exa mple.com', '-bad.com'], recipients: ['@example.com'] })] }),
    );
    expect(problems).toEqual([
      'backupMx.routes[0].domains[0]: expected a domain name such as "example.com", got "exa mple.com"',
      'backupMx.routes[0].domains[1]: expected a domain name such as "example.com", got "-bad.com"',
      'backupMx.routes[0].recipients[0]: expected an e-mail address such as "alice@example.com", got "@example.com"',
      'backupMx.alarmEmail: expected an e-mail address such as "alice@example.com", got "ops"',
    ]);
  });

  it('a primary host that is no IPv4 address and no DNS name, with the fix; valid ones pass', () => {
    const hostOf = (host: unknown) => valid({ routes: [route({ primary: { host, port: 25 } })] });
    const problem = (host: unknown) => problemsOf(hostOf(host))[0];
    expect(problem('999.1.1.1')).toBe(
      'backupMx.routes[0].primary.host: "999.1.1.1" is not an IPv4 address (four numbers 0–255 without leading zeros, separated by dots, such as "192.0.2.10"): correct the address, or give the primary\'s DNS name',
    );
    for (const bad of ['1.2.3', '1.2.3.4.5', '010.0.0.1', '2130706433', '256.0.0.1']) expect(problem(bad)).toContain(`${JSON.stringify(bad)} is not an IPv4 address`);
    expect(problem('mail.example.com:25')).toMatch(/^backupMx\.routes\[0\]\.primary\.host: expected a DNS name such as "mail\.example\.com" or an IPv4 address such as "192\.0\.2\.10", got "mail\.example\.com:25": give the host alone and the port in "port"$/);
    expect(problem('smtp://mail.example.com')).toMatch(/got "smtp:\/\/mail\.example\.com": give the host alone, without a scheme$/);
    expect(problem('2001:db8::25')).toMatch(/IPv6 addresses are not supported; give a DNS name of the host \(with an A record\) or its IPv4 address$/);
    for (const bad of ['mail..example.com', '-mail.example.com', 'mail-.example.com', 'mail_1.example.com', 'mail example.com', `${'a'.repeat(64)}.example.com`, '']) {
      expect(problem(bad)).toContain('a name is dot-separated labels of letters, digits and "-"');
    }
    expect(problem(25)).toBe('backupMx.routes[0].primary.host: expected a DNS name such as "mail.example.com" or an IPv4 address such as "192.0.2.10", got 25');
    // The backup MX's own hostname is checked the same way.
    expect(problemsOf(valid({ hostname: '300.1.1.1' }))[0]).toMatch(/^backupMx\.hostname: "300\.1\.1\.1" is not an IPv4 address/);
    for (const good of ['192.0.2.10', '0.0.0.0', '255.255.255.255', 'MAIL.Example.COM', 'localhost', 'mx1.example.com', '1mail.example.com', 'xn--bcher-kva.example']) {
      expect(parseBackupMxConfig(hostOf(good)).routes[0]!.primary.host).toBe(good.toLowerCase());
    }
  });

  it('recipients outside the route\'s domains', () => {
    expect(problemsOf(valid({ routes: [route({ recipients: ['bob@example.net'] })] }))).toEqual([
      'backupMx.routes[0].recipients[0]: "bob@example.net" is not in this route\'s domains (example.com)',
    ]);
  });

  it('a primary that is an SES inbound endpoint (mail loop)', () => {
    const problems = problemsOf(
      valid({ routes: [route({ primary: { host: 'inbound-smtp.eu-west-1.amazonaws.com', port: 25 } })] }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^backupMx\.routes\[0\]\.primary\.host: "inbound-smtp\.eu-west-1\.amazonaws\.com" is an SES inbound endpoint.*loop/);
  });

  it('a region without SES receiving, from the context or from the environment', () => {
    expect(problemsOf(valid({ region: 'ap-south-2' }))[0]).toMatch(
      /^backupMx\.region: SES does not receive mail in "ap-south-2"; use one of us-east-1, /,
    );
    const { region: _omit, ...noRegion } = valid();
    expect(problemsOf(noRegion, { region: 'af-south-1' })[0]).toContain('"af-south-1" (from the environment)');
  });

  it('no region at all asks for backupMx.region', () => {
    const { region: _omit, ...noRegion } = valid();
    expect(problemsOf(noRegion)).toEqual([
      'backupMx.region: not set; set backupMx.region (e.g. "us-east-1") or the CDK_DEFAULT_REGION / AWS_REGION environment variable',
    ]);
  });

  it('a queue lifetime beyond what the design supports', () => {
    expect(problemsOf(valid({ queueLifetimeDays: 45 }))).toEqual([
      `backupMx.queueLifetimeDays: expected 1–${MAX_QUEUE_LIFETIME_DAYS} (the longest queue lifetime backup-mx supports), got 45`,
    ]);
  });

  it('probe interval, retry bounds and activation mode', () => {
    expect(
      problemsOf(valid({ probeIntervalSeconds: 5, ruleSet: { activation: 'adopt' } })),
    ).toEqual([
      'backupMx.probeIntervalSeconds: expected 10–60, got 5',
      'backupMx.ruleSet.activation: expected "if-none-active" | "replace" | "never", got "adopt"',
    ]);
    expect(problemsOf(valid({ retry: { minBackoffSeconds: 900, maxBackoffSeconds: 60 } }))).toEqual([
      'backupMx.retry.minBackoffSeconds: 900 is more than maxBackoffSeconds (60)',
    ]);
  });

  it('a trigger key secret that cannot be a Secrets Manager name (a kept key is re-used by name)', () => {
    expect(problemsOf(valid({ trigger: { keySecretName: 'my key!' } }))[0]).toMatch(/^backupMx\.trigger\.keySecretName: .*Secrets Manager secret name/);
    expect(parseBackupMxConfig(valid({ trigger: { keySecretName: 'TriggerKey3F5A8D12-AbCdEfGhIjKl' } })).trigger.keySecretName).toBe('TriggerKey3F5A8D12-AbCdEfGhIjKl');
  });

  it('unknown fields (typos) instead of ignoring them', () => {
    expect(problemsOf(valid({ queueLifeTimeDays: 3 }))).toEqual(['backupMx: unknown field "queueLifeTimeDays"']);
  });

  it('shows the whole list in the error message', () => {
    expect(() => parseBackupMxConfig(valid({ queueLifetimeDays: 'x', egress: 1 }))).toThrow(
      /invalid backupMx context:\n  - backupMx\.queueLifetimeDays: .*\n  - backupMx\.egress: /,
    );
  });
});

describe('what a route\'s SES rule matches', () => {
  it('the allow-list narrows only the domains it mentions', () => {
    expect(ruleRecipients({ domains: ['a.com', 'b.com'], recipients: ['x@a.com'] })).toEqual(['x@a.com', 'b.com']);
    expect(ruleRecipients({ domains: ['a.com', 'b.com'] })).toEqual(['a.com', 'b.com']);
  });

  it('fails past SES\'s 200 rules per set (100 entries a rule), and not at 200', () => {
    const addresses = (n: number) => Array.from({ length: n }, (_, i) => `user${i}@example.com`);
    expect(parseBackupMxConfig(valid({ canary: false, routes: [route({ domains: ['example.com'], recipients: addresses(200 * MAX_RULE_RECIPIENTS) })] })).routes[0]!.recipients).toHaveLength(20_000);
    const problems = problemsOf(valid({ canary: false, routes: [route({ domains: ['example.com', 'example.net'], recipients: addresses(200 * MAX_RULE_RECIPIENTS) })] }));
    expect(problems).toEqual([
      `backupMx.routes: the recipients need 201 SES receipt rules (${MAX_RULE_RECIPIENTS} addresses or domains each), but a rule set takes at most 200; list fewer addresses (a domain with none listed takes one entry)`,
    ]);
    // The canary takes a rule of its own: the 200 the routes need are then one too many (README: Upgrading).
    expect(problemsOf(valid({ routes: [route({ domains: ['example.com'], recipients: addresses(200 * MAX_RULE_RECIPIENTS) })] }))).toEqual([
      `backupMx.routes: the recipients need 201 SES receipt rules (${MAX_RULE_RECIPIENTS} addresses or domains each), but a rule set takes at most 200; list fewer addresses (a domain with none listed takes one entry), or set "canary": false (it takes one rule)`,
    ]);
  });
});

describe('SES receiving regions and inbound hosts', () => {
  it('keeps one list with the long-standing receiving regions', () => {
    expect(SES_RECEIVING_REGIONS).toEqual(expect.arrayContaining(['us-east-1', 'us-west-2', 'eu-west-1']));
  });

  it('recognizes SES inbound hosts in any region and nothing else', () => {
    expect(isSesInboundHost('inbound-smtp.us-east-1.amazonaws.com')).toBe(true);
    expect(isSesInboundHost('INBOUND-SMTP.ap-southeast-2.amazonaws.com.')).toBe(true);
    expect(isSesInboundHost('inbound-smtp-fips.us-east-1.amazonaws.com')).toBe(true);
    expect(isSesInboundHost('mail.example.com')).toBe(false);
    expect(isSesInboundHost('inbound-smtp.example.com')).toBe(false);
  });
});
