// The canary subdomain's MX records must name this region's SES inbound
// endpoint and nothing else: any other host (the primary, a catch-all MX)
// would get the canary too, or first. Shared by the canary sender, which does
// not send into a wrong record (each such send would bounce and count against
// the account's SES bounce rate), and `backup-mx doctor`, which prints the fix.

export interface MxRecordLike {
  exchange: string;
  priority: number;
}

const normalize = (host: string) => host.trim().toLowerCase().replace(/\.$/, '');

/** The record to add: the canary domain's only MX. */
export function canaryMxRecord(domain: string, sesInboundHost: string): string {
  return `${domain} MX 10 ${sesInboundHost}`;
}

/** Why these records do not send the canary to `sesInboundHost` alone, or undefined when they do. */
export function canaryMxProblem(domain: string, records: MxRecordLike[], sesInboundHost: string): string | undefined {
  if (records.length === 0) return `${domain} has no MX record`;
  const others = records.filter((r) => normalize(r.exchange) !== sesInboundHost);
  if (others.length === records.length) return `${domain} MX ${records.map((r) => `${r.priority} ${normalize(r.exchange)}`).join(', ')}: not ${sesInboundHost}`;
  if (others.length > 0) return `${domain} has MX records besides ${sesInboundHost} (${others.map((r) => `${r.priority} ${normalize(r.exchange)}`).join(', ')}): the canary would reach them too`;
  return undefined;
}
