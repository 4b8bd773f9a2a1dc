// A deployed route's primary must be reachable from Lambda in AWS: a loopback
// or private address (the README's own local example is 192.168.1.20) works
// for `npm start` on the same network, but no drain in AWS can reach it — mail
// would wait until it expires. Checked at synth only (bin/backup-mx.ts); the
// local runner parses the same configuration and may use any address.
// With a VPC egress mode a private address can be right (a VPN or peering to
// the primary's network), so only loopback, link-local and unspecified
// addresses are refused there.

const PRIVATE_V4: [number, number, number][] = [
  // [first octet, second octet low, high] (second octet range; -1 = any)
  [10, -1, -1],
  [172, 16, 31],
  [192, 168, 168],
  [100, 64, 127], // carrier-grade NAT
];

type Kind = 'loopback' | 'private' | 'link-local' | 'unspecified';

function addressKind(host: string): Kind | undefined {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return 'loopback';
  const m = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(h);
  if (!m) return undefined;
  const [a, b] = [Number(m[1]), Number(m[2])];
  if (a === 127) return 'loopback';
  if (a === 0) return 'unspecified';
  if (a === 169 && b === 254) return 'link-local';
  if (PRIVATE_V4.some(([first, low, high]) => a === first && (low === -1 || (b >= low && b <= high)))) return 'private';
  return undefined;
}

interface Shape {
  egress?: string;
  routes: { name: string; primary: { host: string } }[];
}

/** Problems to refuse the synth with, naming the field and the fix. */
export function deployedPrimaryProblems(config: Shape): string[] {
  const inVpc = config.egress !== undefined && config.egress !== 'none';
  const problems: string[] = [];
  config.routes.forEach((route, i) => {
    const kind = addressKind(route.primary.host);
    if (!kind || (kind === 'private' && inVpc)) return;
    problems.push(
      `backupMx.routes[${i}].primary.host: "${route.primary.host}" is a ${kind} address, which the drain Lambda in AWS cannot reach. ` +
        (kind === 'private'
          ? "Use your primary's public host name or address (the one its firewall opens for the backup MX), or a VPC egress mode with a route to that network. "
          : "Use your primary's public host name or address. ") +
        'Loopback and private addresses are for `npm start` only (BACKUPMX_CONTEXT_FILE).',
    );
  });
  return problems;
}
