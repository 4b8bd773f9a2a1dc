import { describe, expect, it } from 'vitest';
import { DnsAddressGuard, type HostResolver } from '../../../../lambdas/adapters/dns/dns-address-guard.js';
import { ProbePrimaries } from '../../../../lambdas/core/probe/probe-primaries.js';
import { isLocalAddress, loopRefusal } from '../../../../lambdas/core/policy/loop-guard.js';
import { harness } from '../../../support/world/engine-harness.js';

const forbidden = { sesAddresses: ['44.220.1.10'], ownNames: ['mx2.corp.net'], ownAddresses: ['3.3.3.3'] };

/** A DNS table: CNAMEs and addresses by name; counts the queries. */
function table(cnames: Record<string, string>, addresses: Record<string, string[]>): HostResolver & { queries: string[] } {
  const queries: string[] = [];
  return {
    queries,
    cnames: async (name) => (queries.push(`CNAME ${name}`), cnames[name] ? [cnames[name]!] : []),
    addresses: async (name) => {
      queries.push(`A ${name}`);
      if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return [name];
      if (!addresses[name]) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
      return addresses[name]!;
    },
  };
}

describe('loop guard', () => {
  it('refuses a primary named, CNAMEd or resolving to SES inbound, or to our own hop', () => {
    expect(loopRefusal({ names: ['inbound-smtp.eu-west-1.amazonaws.com'], addresses: [] }, forbidden)).toMatch(/SES inbound endpoint/);
    expect(loopRefusal({ names: ['mail.corp.net', 'inbound-smtp.us-east-1.amazonaws.com.'], addresses: [] }, forbidden)).toMatch(/leads to the SES inbound endpoint inbound-smtp\.us-east-1/);
    expect(loopRefusal({ names: ['44.220.1.10'], addresses: ['44.220.1.10'] }, forbidden)).toMatch(/an SES inbound address/);
    expect(loopRefusal({ names: ['MX2.corp.net'], addresses: [] }, forbidden)).toMatch(/our own host name/);
    expect(loopRefusal({ names: ['relay.corp.net'], addresses: ['3.3.3.3'] }, forbidden)).toMatch(/our own address/);
    expect(loopRefusal({ names: ['mail.corp.net'], addresses: ['203.0.113.5'] }, forbidden)).toBeUndefined();
    expect(isLocalAddress('10.1.2.3') && isLocalAddress('127.0.0.1') && isLocalAddress('::1') && !isLocalAddress('203.0.113.5')).toBe(true);
  });

  it('follows CNAMEs and compares addresses through DNS, caching the answers', async () => {
    const dns = table(
      { 'mail.corp.net': 'alias.corp.net', 'alias.corp.net': 'inbound-smtp.eu-west-1.amazonaws.com' },
      { 'mail.corp.net': ['52.1.1.1'], 'ip-mx.corp.net': ['44.220.1.10'], 'inbound-smtp.eu-west-1.amazonaws.com': ['44.220.1.10'], 'good.corp.net': ['203.0.113.5'] },
    );
    const guard = new DnsAddressGuard({ hostname: 'mx2.corp.net', sesInboundHosts: ['inbound-smtp.eu-west-1.amazonaws.com'], resolver: dns });
    expect(await guard.refusal({ host: 'mail.corp.net', port: 25, tls: 'none' })).toMatch(/leads to the SES inbound endpoint/);
    expect(await guard.refusal({ host: 'ip-mx.corp.net', port: 25, tls: 'none' })).toMatch(/44\.220\.1\.10, an SES inbound address/);
    expect(await guard.refusal({ host: '44.220.1.10', port: 25, tls: 'none' })).toMatch(/SES inbound address/);
    expect(await guard.refusal({ host: 'good.corp.net', port: 25, tls: 'none' })).toBeUndefined();
    const asked = dns.queries.length;
    await guard.refusal({ host: 'good.corp.net', port: 25, tls: 'none' });
    expect(dns.queries.length).toBe(asked); // cached
  });

  it('asks DNS nothing for a loopback primary or a special-use name, and a failed lookup refuses nothing', async () => {
    const dns = table({}, {});
    const guard = new DnsAddressGuard({ hostname: 'mx2.corp.net', sesInboundHosts: ['inbound-smtp.eu-west-1.amazonaws.com'], resolver: dns });
    expect(await guard.refusal({ host: '127.0.0.1', port: 2525, tls: 'none' })).toBeUndefined();
    expect(await guard.refusal({ host: 'mail.example.com', port: 25, tls: 'none' })).toBeUndefined();
    expect(dns.queries).toEqual([]);
    expect(await guard.refusal({ host: 'unknown.corp.net', port: 25, tls: 'none' })).toBeUndefined();
  });

  it('the probe marks a looping primary down without connecting to it, so nothing is delivered', async () => {
    const h = harness();
    await h.arrive();
    const probe = new ProbePrimaries(
      { routes: [h.route], probe: h.probe, routeState: h.routeState, queues: () => h.queue, drains: h.drains, metrics: h.metrics, log: h.log, clock: h.clock, sleep: h.clock.sleep, guard: { refusal: async () => 'mail.example.com resolves to 44.220.1.10, an SES inbound address' } },
      { probeIntervalSeconds: 60 },
    );
    await probe.round();
    expect(h.probe.checks).toEqual([]);
    expect(await h.routeState.health('main')).toMatchObject({ status: 'down', lastError: expect.stringContaining('loop guard: ') });
    expect(h.drains.started.filter((d) => d.mode === 'deliver')).toEqual([]);
    expect((await h.runDrain()).stoppedBecause).toBe('primary-down');
  });
});
