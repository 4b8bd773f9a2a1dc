// routes[].recipientSync: defaults, errors naming the field, and the rule
// budget a synced route reserves counted against SES's 200 rules per set.
import { describe, expect, it } from 'vitest';
import { BackupMxConfigError, parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';
import { MAX_SYNC_ADDRESSES, RECIPIENT_SYNC_EVENT_MAX_BYTES, recipientSyncSwitchWarnings, syncedRouteRules, syncedRoutes } from '../../../lib/config/recipient-sync.js';
import { MAX_RULE_RECIPIENTS, MAX_RULES_PER_SET } from '../../../lib/config/receipt-rule-chunks.js';

const route = (extra: Record<string, unknown> = {}) => ({ name: 'corp', domains: ['example.com'], primary: { host: 'mx.example.com', port: 587 }, ...extra });
const config = (extra: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => ({ region: 'us-east-1', canary: false, routes: [route(extra)], ...top });

function problems(raw: unknown): string[] {
  try {
    parseBackupMxConfig(raw);
  } catch (error) {
    if (error instanceof BackupMxConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('recipientSync', () => {
  it('SES holds at most 100 recipients a rule and 200 rules a set (SES quotas), so no budget passes 20,000', () => {
    expect(MAX_RULE_RECIPIENTS).toBe(100);
    expect(MAX_RULES_PER_SET).toBe(200);
    expect(MAX_SYNC_ADDRESSES).toBe(20_000);
  });

  it('fills the defaults (10% shrink, 1,000 addresses) and takes recipients as the seed', () => {
    const parsed = parseBackupMxConfig(config({ recipientSync: {}, recipients: ['Alice@Example.com'] }));
    expect(parsed.routes[0]!.recipientSync).toEqual({ maxShrinkPercent: 10, maxAddresses: 1_000 });
    expect(syncedRoutes(parsed.routes)).toEqual([{ name: 'corp', domains: ['example.com'], maxShrinkPercent: 10, maxAddresses: 1_000, seed: ['Alice@example.com'] }]);
  });

  it('names the field of a bad value', () => {
    expect(problems(config({ recipientSync: { maxShrinkPercent: 101 } }))[0]).toMatch(/^backupMx\.routes\[0\]\.recipientSync\.maxShrinkPercent: /);
    expect(problems(config({ recipientSync: { maxAddresses: 20_001 } }))[0]).toMatch(/^backupMx\.routes\[0\]\.recipientSync\.maxAddresses: /);
    expect(problems(config({ recipientSync: { every: 5 } }))[0]).toMatch(/^backupMx\.routes\[0\]\.recipientSync/);
  });

  it('refuses a seed larger than the budget', () => {
    expect(problems(config({ recipientSync: { maxAddresses: 1 }, recipients: ['a@example.com', 'b@example.com'] }))).toEqual([
      'backupMx.routes[0].recipientSync.maxAddresses: 1 is fewer than the 2 addresses of the seed (recipients / recipientsFile); raise it or list fewer',
    ]);
  });

  it('refuses activation "never": the pushed rules would land in a set that never receives', () => {
    expect(problems(config({ recipientSync: {} }, { ruleSet: { activation: 'never' } }))[0]).toMatch(/^backupMx\.routes\[0\]\.recipientSync: .*activation "never"/);
  });

  it('reserves the template rule and ceil(budget / 100) rules (one domain), more with every other domain', () => {
    expect(syncedRouteRules({ domains: ['example.com'], recipientSync: { maxShrinkPercent: 10, maxAddresses: 450 } })).toBe(1 + 5);
    expect(syncedRouteRules({ domains: ['example.com'], recipientSync: { maxShrinkPercent: 10, maxAddresses: 19_900 } })).toBe(200);
    expect(syncedRouteRules({ domains: ['a.example', 'b.example'], recipientSync: { maxShrinkPercent: 10, maxAddresses: 19_900 } })).toBe(201);
  });

  it('20,000 addresses need the whole set, so synth refuses that budget, naming it; 19,900 alone fits, not beside the canary', () => {
    const over = problems(config({ recipientSync: { maxAddresses: 20_000 } }));
    expect(over).toHaveLength(1);
    expect(over[0]).toContain('need 201 SES receipt rules');
    expect(over[0]).toContain('backupMx.routes[0].recipientSync.maxAddresses = 20000 reserves 201 (its disabled template rule included)');
    expect(problems(config({ recipientSync: { maxAddresses: 19_900 } }))).toEqual([]);
    expect(problems(config({ recipientSync: { maxAddresses: 19_900 } }, { canary: undefined }))[0]).toContain('need 201 SES receipt rules');
  });

  it('counts the budget beside another route\'s rules', () => {
    const two = {
      region: 'us-east-1',
      canary: false,
      routes: [route({ recipientSync: { maxAddresses: 19_800 } }), { name: 'other', domains: ['other.example'], primary: { host: 'mx.other.example', port: 587 } }],
    };
    expect(problems(two)).toEqual([]);
    two.routes[0] = route({ recipientSync: { maxAddresses: 19_801 } });
    expect(problems(two)[0]).toContain('need 201 SES receipt rules');
  });
});

describe('recipientSync: the seed travels in the custom resource event', () => {
  const seed = (n: number) => Array.from({ length: n }, (_, i) => `user${String(i).padStart(5, '0')}@example.com`);
  const sizeProblem = (p: string[]) => p.find((line) => line.includes('custom resource event'));

  it('the budget: 200 KB for the properties twice (an Update carries the old ones), under the 256 KB asynchronous payload', () => {
    expect(RECIPIENT_SYNC_EVENT_MAX_BYTES).toBe(200 * 1024);
    expect(RECIPIENT_SYNC_EVENT_MAX_BYTES).toBeLessThan(256 * 1024);
  });

  it('a seed of 20,000 addresses fails synth, naming the route, the size and the fix', () => {
    const found = sizeProblem(problems(config({ recipientSync: { maxAddresses: 20_000 }, recipients: seed(20_000) })));
    expect(found).toBeDefined();
    expect(found).toMatch(/backupMx\.routes\[0\] \("corp"\): 20000 addresses, \d+ bytes/);
    expect(found).toMatch(/about \d+ bytes, \d+ in an update/);
    expect(found).toContain('push the full list instead');
  });

  it('a seed of 1,000 addresses passes; one just past the budget fails', () => {
    expect(problems(config({ recipientSync: { maxAddresses: 1_000 }, recipients: seed(1_000) }))).toEqual([]);
    // 23 bytes an address in JSON ("userNNNNN@example.com",): 2 × 4,500 × 23 ≈ 207,000 bytes.
    expect(sizeProblem(problems(config({ recipientSync: { maxAddresses: 4_500 }, recipients: seed(4_500) })))).toBeDefined();
    expect(sizeProblem(problems(config({ recipientSync: { maxAddresses: 4_000 }, recipients: seed(4_000) })))).toBeUndefined();
  });
});

describe('recipientSync: a switch counts both rule kinds (warning, not an error)', () => {
  const addresses = (n: number, domain: string) => Array.from({ length: n }, (_, i) => `u${i}@${domain}`);
  // 99 rules of another route + the synced route's template and budget (1 + 100) = 200: the steady state fits.
  const big = { name: 'big', domains: ['big.example'], recipients: addresses(9_900, 'big.example'), primary: { host: 'mx.big.example', port: 587 } };
  const synced = (seed: number) => route({ recipientSync: { maxAddresses: 10_000 }, recipients: addresses(seed, 'example.com') });

  it('99 other rules + a 3,000-address seed (30 static rules) + template and budget (101): 230 mid-switch, warned with the numbers and the two-deploy way', () => {
    const parsed = parseBackupMxConfig({ region: 'us-east-1', canary: false, routes: [synced(3_000), big] });
    const [warning, ...more] = recipientSyncSwitchWarnings(parsed);
    expect(more).toEqual([]);
    expect(warning!.route).toBe('corp');
    expect(warning!.message).toContain('backupMx.routes[0] ("corp")');
    expect(warning!.message).toContain('its static rules (30, from recipients / recipientsFile), its template and budget (101) and every other rule (99) exist together: 230 SES receipt rules');
    // The first deploy's budget: 99 + 30 + 1 + ceil(6,900 / 100) = 199 ≤ 200.
    expect(warning!.message).toContain('first deploy with recipientSync.maxAddresses = 7000, then raise it to 10000');
  });

  it('no warning when the switch fits, nor for a static route', () => {
    expect(recipientSyncSwitchWarnings(parseBackupMxConfig({ region: 'us-east-1', canary: false, routes: [route({ recipientSync: { maxAddresses: 1_000 }, recipients: addresses(900, 'example.com') }), big] }))).toEqual([]);
    expect(recipientSyncSwitchWarnings(parseBackupMxConfig({ region: 'us-east-1', canary: false, routes: [big] }))).toEqual([]);
  });

  it('a peak of exactly 200 passes, 201 warns', () => {
    // Template and budget 9,900: 1 + 99 = 100 rules; the other route 99; static: ceil(seed / 100).
    const at = (seed: number) => recipientSyncSwitchWarnings(parseBackupMxConfig({ region: 'us-east-1', canary: false, routes: [route({ recipientSync: { maxAddresses: 9_900 }, recipients: addresses(seed, 'example.com') }), big] }));
    expect(at(100)).toEqual([]); // 99 + 1 + 100 = 200
    expect(at(101)).toHaveLength(1); // 99 + 2 + 100 = 201
  });
});
