// The loop guard's DNS side: follows the primary's CNAME chain, looks up its
// addresses, and compares them with the SES inbound endpoint's and our own
// (core/policy/loop-guard decides). Answers are cached, failures too (briefly): the
// probe runs every few seconds and DNS trouble must never stall it. A lookup
// that fails says nothing: the guard then does not refuse.
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { isLocalAddress, loopRefusal, type ResolvedHost } from '../../core/policy/loop-guard.js';
import type { PrimaryServer } from '../../core/model.js';
import type { PrimaryAddressGuard } from '../../core/policy/ports.js';

/** What the guard asks DNS; injectable for tests. */
export interface HostResolver {
  /** CNAME targets of `name` ([] when it has none). */
  cnames(name: string): Promise<string[]>;
  /** Addresses of `name` (an IP literal resolves to itself). */
  addresses(name: string): Promise<string[]>;
}

export function systemResolver(timeoutMs = 1_000): HostResolver {
  const resolver = new dns.Resolver({ timeout: timeoutMs, tries: 1 });
  return {
    cnames: (name) => resolver.resolveCname(name).catch(() => []),
    addresses: async (name) => (await dns.lookup(name, { all: true })).map((a) => a.address),
  };
}

/** Names that never need a DNS query (RFC 2606 / 6761 special-use names). */
const SPECIAL = /(^|\.)(localhost|local|test|invalid|example|internal|example\.(com|net|org))$/i;
const MAX_CNAME_DEPTH = 8;

export interface DnsAddressGuardOptions {
  /** Our own host name (settings.hostname). */
  hostname: string;
  /** SES inbound endpoints to compare with, e.g. inbound-smtp.eu-west-1.amazonaws.com. */
  sesInboundHosts: string[];
  resolver?: HostResolver;
  cacheSeconds?: number;
  now?: () => number;
}

export class DnsAddressGuard implements PrimaryAddressGuard {
  private readonly cache = new Map<string, { at: number; value: Promise<unknown> }>();
  private readonly resolver: HostResolver;

  constructor(private readonly options: DnsAddressGuardOptions) {
    this.resolver = options.resolver ?? systemResolver();
  }

  async refusal(primary: PrimaryServer): Promise<string | undefined> {
    const resolved = await this.cached(`host ${primary.host}`, () => this.resolve(primary.host));
    // SES endpoints are public: no need to look them up for a private (or unresolved) primary.
    const isPublic = resolved.addresses.some((a) => !isLocalAddress(a));
    const [sesAddresses, ownAddresses] = !isPublic
      ? [[], []]
      : await Promise.all([
          this.cached('ses', async () => (await Promise.all(this.options.sesInboundHosts.map((h) => this.resolver.addresses(h).catch(() => [])))).flat()),
          this.cached('own', async () => (await this.resolver.addresses(this.options.hostname).catch(() => [])).filter((a) => !isLocalAddress(a))),
        ]);
    return loopRefusal(resolved, { sesAddresses, ownNames: [this.options.hostname], ownAddresses });
  }

  private async resolve(host: string): Promise<ResolvedHost> {
    const names = [host.toLowerCase().replace(/\.$/, '')];
    if (SPECIAL.test(names[0]!) || (!isIP(host) && !host.includes('.'))) return { names, addresses: isIP(host) ? [host] : [] };
    if (!isIP(host)) {
      for (let depth = 0; depth < MAX_CNAME_DEPTH; depth++) {
        const [next] = await this.resolver.cnames(names.at(-1)!).catch(() => []);
        if (!next || names.includes(next.toLowerCase())) break;
        names.push(next.toLowerCase().replace(/\.$/, ''));
      }
    }
    const addresses = isIP(host) ? [host] : await this.resolver.addresses(host).catch(() => [] as string[]);
    return { names, addresses };
  }

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = (this.options.now ?? Date.now)();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < (this.options.cacheSeconds ?? 300) * 1000) return hit.value as Promise<T>;
    const value = load();
    this.cache.set(key, { at: now, value });
    return value;
  }
}
