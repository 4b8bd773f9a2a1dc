// doctor's look at the canary's DNS record: the canary subdomain's MX must be
// this region's SES inbound endpoint and nothing else (core/canary/canary-mx.ts
// decides, as the canary function does before each send), or no canary
// arrives and the probe's canary-missing condition (StackProblems) fires.
import { canaryMxProblem, canaryMxRecord } from '../../lambdas/core/canary/canary-mx.js';
import { sesInboundEndpoint } from '../../lib/config/ses-receiving-regions.js';
import { fail, ok, skip, type CheckResult } from './check.js';
import type { MxLookup, MxRecord } from './mx-check.js';

export const CANARY_MX_CHECK = 'canary MX';

/** The canary's MX check; `address` undefined: the stack sends no canary. */
export async function checkCanaryMx(lookup: MxLookup, address: string | undefined, region: string): Promise<CheckResult> {
  if (!address) return skip(CANARY_MX_CHECK, 'the canary is off ("canary": false)');
  const domain = address.slice(address.lastIndexOf('@') + 1);
  const name = `${CANARY_MX_CHECK} ${domain}`;
  const ours = sesInboundEndpoint(region);
  const wanted = canaryMxRecord(domain, ours);
  let records: MxRecord[];
  try {
    records = await lookup(domain);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENODATA' && code !== 'ENOTFOUND') {
      return fail(name, `lookup failed: ${code ?? (error as Error).message}`, 'check the DNS server (--dns-server host:port) and try again');
    }
    records = [];
  }
  const problem = canaryMxProblem(domain, records, ours);
  if (problem) return fail(name, `${problem}: the canary cannot arrive, so StackProblems stays in ALARM (canary-missing)`, `add ${wanted} as its only MX record (or set "canary": false and deploy)`);
  return ok(name, `only ${ours}: the canary to ${address} goes through SES receiving alone`);
}
