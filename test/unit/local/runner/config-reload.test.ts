// The SIGHUP decision: routes change live, every other field waits for a
// restart (and the line says which), a reload that would move the canary's
// route is refused whole.
import { describe, expect, it } from 'vitest';
import { parseBackupMxConfig } from '../../../../lib/config/backup-mx-config.js';
import { describeReload, oneLine, planReload } from '../../../../local/runner/config-reload.js';

const route = (name: string, domain: string, port = 2600) => ({ name, domains: [domain], primary: { host: '127.0.0.1', port, tls: 'none' } });
const config = (routes: ReturnType<typeof route>[], extra: Record<string, unknown> = {}) =>
  parseBackupMxConfig({ hostname: 'mx.example.net', canary: false, routes, ...extra }, { region: 'us-east-1' });

describe('planReload', () => {
  it('applies added, removed and changed routes and keeps every other field as running', () => {
    const running = config([route('a', 'a.test'), route('b', 'b.test'), route('c', 'c.test')]);
    const next = config([route('a', 'a.test'), route('b', 'b.test', 2700), route('d', 'd.test')], { hostname: 'other.example.net', queueLifetimeDays: 3 });
    const plan = planReload(running, next);
    expect(plan).toMatchObject({ added: ['d'], removed: ['c'], changed: ['b'], needRestart: ['hostname', 'queueLifetimeDays'] });
    expect(plan.refused).toBeUndefined();
    expect(plan.config.routes.map((r) => `${r.name}:${r.primary.port}`)).toEqual(['a:2600', 'b:2700', 'd:2600']);
    // The running values stay until a restart.
    expect(plan.config.hostname).toBe('mx.example.net');
    expect(plan.config.queueLifetimeDays).toBe(running.queueLifetimeDays);
  });

  it('finds nothing to do in an unchanged file', () => {
    const running = config([route('a', 'a.test')]);
    const plan = planReload(running, config([route('a', 'a.test')]));
    expect(plan).toMatchObject({ added: [], removed: [], changed: [], needRestart: [] });
    expect(describeReload(plan, '/etc/mx.json')).toBe('reload: /etc/mx.json: routes unchanged');
  });

  it('refuses a file that puts another route first while the canary rides the first one', () => {
    const withCanary = (routes: ReturnType<typeof route>[]) =>
      parseBackupMxConfig({ hostname: 'mx.example.net', routes, canary: { domain: 'canary.a.test' } }, { region: 'us-east-1' });
    const running = withCanary([route('a', 'a.test'), route('b', 'b.test')]);
    const plan = planReload(running, withCanary([route('b', 'b.test'), route('a', 'a.test')]));
    expect(plan.refused).toMatch(/^routes\[0\]: the canary rides the first route \("a"\)/);
    expect(describeReload(plan, 'f.json')).toMatch(/^reload: f\.json: routes\[0\].*; keeping the running configuration$/);
    // Routes after the first may change under the canary.
    expect(planReload(running, withCanary([route('a', 'a.test')])).refused).toBeUndefined();
  });
});

describe('describeReload', () => {
  it('says on one line what changed, what waits for a restart, and what a removed route leaves queued', () => {
    const running = config([route('a', 'a.test'), route('c', 'c.test')]);
    const plan = planReload(running, config([route('a', 'a.test', 2700), route('d', 'd.test')], { probeIntervalSeconds: 30 }));
    const line = describeReload(plan, 'ctx.json', new Map([['c', 2]]));
    expect(line).toBe(
      'reload: ctx.json: added route d, changed route a, removed route c (2 queued messages of it stay queued, undelivered, until the route is back); ' +
        'probeIntervalSeconds changed in the file but apply only after a restart (the running values stay)',
    );
    expect(line).not.toContain('\n');
  });
});

describe('oneLine', () => {
  it('puts a multi-problem validation message on one line, field paths kept', () => {
    expect(oneLine('f.json: invalid backupMx context:\n  - routes.0.primary.port: too big\n  - hostname: required')).toBe(
      'f.json: invalid backupMx context: routes.0.primary.port: too big; hostname: required',
    );
    expect(oneLine('f.json: not valid JSON (Unexpected token)')).toBe('f.json: not valid JSON (Unexpected token)');
  });
});
