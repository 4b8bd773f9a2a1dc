// The domain's MTA-STS policy (RFC 8461), if it has one, must list our MX in
// its `mx:` patterns: a sender that enforces the policy refuses to deliver to
// an MX the policy does not name, so while the primary is down such mail
// would wait in the sender's queue instead of coming to the backup.
import { request } from 'node:https';
import { Resolver } from 'node:dns/promises';
import { sesInboundEndpoint } from '../../lib/config/ses-receiving-regions.js';
import { fail, ok, warn, type CheckResult } from './check.js';

export interface MtaStsDeps {
  resolveTxt(name: string): Promise<string[][]>;
  resolve4(name: string): Promise<string[]>;
  /** 443 in the world; a test's HTTPS stand-in elsewhere. */
  port?: number;
  /** Extra CA to trust (tests); the system's CAs otherwise. */
  ca?: string;
  timeoutMs?: number;
}

export function mtaStsResolver(server?: string, timeoutMs = 3000): Pick<MtaStsDeps, 'resolveTxt' | 'resolve4'> {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
  if (server) resolver.setServers([server]);
  return { resolveTxt: (n) => resolver.resolveTxt(n), resolve4: (n) => resolver.resolve4(n) };
}

export interface MtaStsPolicy {
  version?: string;
  mode?: string;
  mx: string[];
  maxAge?: number;
}

export function parsePolicy(text: string): MtaStsPolicy {
  const policy: MtaStsPolicy = { mx: [] };
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([a-z_]+)\s*:\s*(.*?)\s*$/i.exec(line);
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'version') policy.version = value;
    else if (key === 'mode') policy.mode = value;
    else if (key === 'mx') policy.mx.push(value.toLowerCase());
    else if (key === 'max_age') policy.maxAge = Number(value);
  }
  return policy;
}

/** RFC 8461 §4.1: exact, or "*." standing for exactly one leftmost label. */
export function mxMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!p.startsWith('*.')) return p === h;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === p.slice(2);
}

export async function checkMtaSts(deps: MtaStsDeps, domain: string, region: string): Promise<CheckResult> {
  const name = `MTA-STS ${domain}`;
  const ours = sesInboundEndpoint(region);
  let txt: string[];
  try {
    txt = (await deps.resolveTxt(`_mta-sts.${domain}`)).map((parts) => parts.join(''));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENODATA' || code === 'ENOTFOUND') return ok(name, 'no MTA-STS policy (no _mta-sts TXT record)');
    return fail(name, `TXT lookup of _mta-sts.${domain} failed: ${code ?? (error as Error).message}`, 'check the DNS server (--dns-server host:port) and try again');
  }
  if (!txt.some((t) => /^v=STSv1\s*(;|$)/.test(t.trim()))) return ok(name, 'no MTA-STS policy (no v=STSv1 TXT record)');
  const host = `mta-sts.${domain}`;
  let text: string;
  try {
    text = await fetchPolicy(deps, host);
  } catch (error) {
    return warn(name, `_mta-sts.${domain} announces a policy, but https://${host}/.well-known/mta-sts.txt could not be read: ${(error as Error).message}`, `serve the policy there with a valid certificate for ${host}, or remove the TXT record`);
  }
  const policy = parsePolicy(text);
  if (policy.version !== 'STSv1') return warn(name, `policy has no "version: STSv1" line`, 'fix the policy file (RFC 8461 §3.2)');
  const mode = policy.mode ?? 'none';
  if (mode === 'none') return ok(name, 'policy mode none: senders do not enforce it');
  const add = `add "mx: ${ours}" (or "mx: *.${ours.split('.').slice(1).join('.')}") to https://${host}/.well-known/mta-sts.txt and change the id in _mta-sts.${domain}`;
  if (policy.mx.some((p) => mxMatches(p, ours))) return ok(name, `mode ${mode}; ${ours} matches the policy's mx patterns (${policy.mx.join(', ')})`);
  const detail = `mode ${mode}, mx patterns ${policy.mx.join(', ') || 'none'} do not match our MX ${ours}`;
  return mode === 'enforce'
    ? fail(name, `${detail}: senders that enforce MTA-STS will not deliver to the backup while the primary is down`, add)
    : warn(name, `${detail} (testing mode: senders only report it)`, add);
}

const MAX_POLICY_BYTES = 64 * 1024;

function fetchPolicy(deps: MtaStsDeps, host: string): Promise<string> {
  return deps.resolve4(host).then(
    (addresses) =>
      new Promise<string>((resolve, reject) => {
        const req = request(
          {
            host: addresses[0],
            servername: host,
            port: deps.port ?? 443,
            path: '/.well-known/mta-sts.txt',
            headers: { host },
            timeout: deps.timeoutMs ?? 5_000,
            ...(deps.ca ? { ca: deps.ca } : {}),
          },
          (res) => {
            // RFC 8461 §3.3: no redirects; 200 only.
            if (res.statusCode !== 200) {
              res.resume();
              return reject(new Error(`HTTP ${res.statusCode}`));
            }
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (chunk: Buffer) => {
              size += chunk.length;
              if (size > MAX_POLICY_BYTES) req.destroy(new Error('policy larger than 64 KiB'));
              else chunks.push(chunk);
            });
            res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', (error: NodeJS.ErrnoException) => reject(new Error(error.code ? `${error.code}: ${error.message}` : error.message)));
        req.end();
      }),
    (error: NodeJS.ErrnoException) => {
      throw new Error(`no address for ${host} (${error.code ?? error.message})`);
    },
  );
}
