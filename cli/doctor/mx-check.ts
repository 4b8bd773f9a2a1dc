// Each domain's MX records: ours (SES inbound in the stack's region) must be
// there, and with a larger preference number than the primary's, so senders
// try the primary first and come to us only when it does not answer.
import { Resolver } from 'node:dns/promises';
import { isSesInboundHost, sesInboundEndpoint } from '../../lib/config/ses-receiving-regions.js';
import { fail, ok, warn, type CheckResult } from './check.js';

export interface MxRecord {
  exchange: string;
  priority: number;
}

export type MxLookup = (domain: string) => Promise<MxRecord[]>;

/** A resolver on the system's servers, or on `server` ("host:port" or "host"). */
export function mxLookup(server?: string, timeoutMs = 3000): MxLookup {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
  if (server) resolver.setServers([server]);
  return (domain) => resolver.resolveMx(domain);
}

const normalize = (host: string) => host.trim().toLowerCase().replace(/\.$/, '');

export async function checkMx(lookup: MxLookup, domain: string, region: string): Promise<CheckResult> {
  const name = `MX ${domain}`;
  const ours = sesInboundEndpoint(region);
  const wanted = `${domain} MX 20 ${ours} (with your primary's MX at a lower number, e.g. 10)`;
  let records: MxRecord[];
  try {
    records = await lookup(domain);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENODATA' || code === 'ENOTFOUND') return fail(name, `no MX records (${code})`, `add ${wanted}`);
    return fail(name, `lookup failed: ${code ?? (error as Error).message}`, 'check the DNS server (--dns-server host:port) and try again');
  }
  const list = records.map((r) => `${r.priority} ${normalize(r.exchange)}`).join(', ');
  const mine = records.filter((r) => normalize(r.exchange) === ours);
  const otherSes = records.filter((r) => isSesInboundHost(normalize(r.exchange)) && normalize(r.exchange) !== ours);
  const primaries = records.filter((r) => !isSesInboundHost(normalize(r.exchange)));
  if (mine.length === 0) {
    const elsewhere = otherSes.length ? ` (there is an SES MX for another region: ${otherSes.map((r) => normalize(r.exchange)).join(', ')})` : '';
    return fail(name, `our MX ${ours} is missing${elsewhere}; records: ${list || 'none'}`, `add ${wanted}`);
  }
  if (primaries.length === 0) {
    return warn(name, `only SES MX records (${list}): all mail comes to the backup first`, `add your primary's MX with a lower number than ${mine[0]!.priority}`);
  }
  const ourPreference = Math.min(...mine.map((r) => r.priority));
  const primaryPreference = Math.min(...primaries.map((r) => r.priority));
  if (ourPreference <= primaryPreference) {
    return fail(
      name,
      `our MX has preference ${ourPreference}, not larger than the primary's ${primaryPreference}: senders try us first (${list})`,
      `set our MX to a number above ${primaryPreference}, e.g. ${domain} MX ${primaryPreference + 10} ${ours}`,
    );
  }
  return ok(name, `${list}: primary first, ours at ${ourPreference}`);
}
