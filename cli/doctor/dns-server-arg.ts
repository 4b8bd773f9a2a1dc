// `doctor --dns-server`: Node's resolver takes an IP literal with an optional
// port and throws a bare "TypeError: Invalid IP address" for anything else, so
// the value is checked where the command line is read and refused as usage.
import { isIPv4, isIPv6 } from 'node:net';

export const DNS_SERVER_FORMS = '192.0.2.53, 192.0.2.53:5353, 2001:db8::53 or [2001:db8::53]:5353';

const validPort = (port: string) => /^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65_535;

/**
 * Returns `value` if the resolver accepts it (IPv4 `a.b.c.d[:port]`, IPv6 bare
 * or `[v6][:port]`); otherwise throws an Error whose message says what is expected.
 */
export function parseDnsServer(value: string): string {
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(value);
  const ok = v6
    ? isIPv6(v6[1]!) && (v6[2] === undefined || validPort(v6[2]))
    : isIPv6(value) || (() => {
        const [host, port, ...rest] = value.split(':');
        return rest.length === 0 && isIPv4(host!) && (port === undefined || validPort(port));
      })();
  if (!ok) throw new Error(`expected the DNS server's IP address with an optional port (host[:port]), such as ${DNS_SERVER_FORMS}; a host name is not accepted`);
  return value;
}
