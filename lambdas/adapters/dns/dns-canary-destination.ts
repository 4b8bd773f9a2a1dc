// The canary sender's look at the canary domain's MX records before each send
// (core/canary/canary-mx.ts decides). "No such record" is an answer (the
// record is missing); any other DNS failure rejects, and the sender says so.
import { Resolver } from 'node:dns/promises';
import { canaryMxProblem, type MxRecordLike } from '../../core/canary/canary-mx.js';
import type { CanaryDestination } from '../../core/canary/canary-ports.js';

export type MxResolver = (domain: string) => Promise<MxRecordLike[]>;

export function systemMxResolver(timeoutMs = 3_000): MxResolver {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
  return (domain) => resolver.resolveMx(domain);
}

export class DnsCanaryDestination implements CanaryDestination {
  constructor(
    /** This region's SES inbound endpoint, inbound-smtp.<region>.amazonaws.com. */
    private readonly sesInboundHost: string,
    private readonly resolve: MxResolver = systemMxResolver(),
  ) {}

  async problem(domain: string): Promise<string | undefined> {
    let records: MxRecordLike[];
    try {
      records = await this.resolve(domain);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENODATA' && code !== 'ENOTFOUND') throw error;
      records = [];
    }
    return canaryMxProblem(domain, records, this.sesInboundHost);
  }
}
