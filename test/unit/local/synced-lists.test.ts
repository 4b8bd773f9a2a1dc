// The SES stand-in's reader of pushed lists: a new version replaces the
// route's allow-list, the same version is not applied twice, a failed read
// keeps the last list (and says so), and routes that start syncing on a
// reload are read from the next round.
import { afterEach, describe, expect, it } from 'vitest';
import { SyncedLists } from '../../../local/ses-standin/synced-lists.js';

const logger = () => {
  const lines: string[] = [];
  return { lines, info: (l: string) => lines.push(`info ${l}`), warn: (l: string) => lines.push(`warn ${l}`) };
};

let lists: SyncedLists | undefined;
afterEach(async () => {
  await lists?.stop();
});

describe('SyncedLists', () => {
  it('applies each new version once, keeps the last list when a read fails, and reads routes added later', async () => {
    const stored = new Map<string, { version: number; addresses: string[] }>([['corp', { version: 1, addresses: ['a@example.com'] }]]);
    let failing = false;
    const routes = ['corp'];
    const applied: [string, string[]][] = [];
    const log = logger();
    lists = new SyncedLists(
      {
        read: async (route) => {
          if (failing) throw new Error('table unreachable');
          return stored.get(route);
        },
        intervalMs: 20,
      },
      () => routes,
      (route, addresses) => applied.push([route, addresses]),
      log,
    );
    await lists.start();
    expect(applied).toEqual([['corp', ['a@example.com']]]);
    await new Promise((r) => setTimeout(r, 60));
    expect(applied).toHaveLength(1); // the same version is not applied again
    failing = true;
    await new Promise((r) => setTimeout(r, 60));
    expect(applied).toHaveLength(1);
    expect(log.lines.some((l) => l.startsWith('warn route corp: could not read its synced recipient list (table unreachable); the last one read stays'))).toBe(true);
    failing = false;
    stored.set('corp', { version: 2, addresses: ['b@example.com'] });
    stored.set('other', { version: 1, addresses: ['x@other.example'] });
    routes.push('other');
    await new Promise((r) => setTimeout(r, 80));
    expect(applied).toEqual([
      ['corp', ['a@example.com']],
      ['corp', ['b@example.com']],
      ['other', ['x@other.example']],
    ]);
  });

  it('an unreadable version (body missing or not its SHA-256) is not applied: the last list stays, as the rule writer keeps the rules', async () => {
    const stored: { version: number; addresses: string[]; unreadable?: { key: string; reason: string } } = { version: 1, addresses: ['a@example.com'] };
    const applied: string[][] = [];
    const log = logger();
    lists = new SyncedLists({ read: async () => stored, intervalMs: 20 }, () => ['corp'], (_, addresses) => applied.push(addresses), log);
    await lists.start();
    Object.assign(stored, { version: 2, addresses: [], unreadable: { key: 'recipient-lists/corp/v2-ab.txt', reason: 'missing from the bucket' } });
    await new Promise((r) => setTimeout(r, 60));
    expect(applied).toEqual([['a@example.com']]);
    expect(log.lines).toContain('warn route corp: recipient list version 2 is unreadable (missing from the bucket); the last one read stays');
  });
});
