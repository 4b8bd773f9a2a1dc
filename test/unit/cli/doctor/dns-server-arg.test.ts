// `doctor --dns-server` takes what Node's resolver takes (an IP with an
// optional port) and refuses anything else as a usage error naming the flag,
// before any target is looked up, instead of "TypeError: Invalid IP address".
import { Resolver } from 'node:dns/promises';
import { describe, expect, it } from 'vitest';
import { RecordingIo } from '../../../../cli/cli-io.js';
import { parseDnsServer } from '../../../../cli/doctor/dns-server-arg.js';
import { EXIT } from '../../../../cli/errors.js';
import { main } from '../../../../cli/main.js';

const ACCEPTED = ['192.0.2.53', '127.0.0.1:5353', '2001:db8::53', '::1', '[2001:db8::53]', '[::1]:5353'];
const REFUSED = ['nonsense', 'dns.example.com', 'dns.example.com:53', '999.1.1.1', '192.0.2.53:', '192.0.2.53:0', '192.0.2.53:65536', '192.0.2.53:5x', '[2001:db8::53]:', '[192.0.2.53]:53', '[::1', '1.2.3.4:53:53', ''];

describe('--dns-server values', () => {
  it.each(ACCEPTED)('accepts %s, and so does the resolver', (value) => {
    expect(parseDnsServer(value)).toBe(value);
    expect(() => new Resolver().setServers([value])).not.toThrow();
  });

  it.each(REFUSED)('refuses %j with the forms it takes', (value) => {
    expect(() => parseDnsServer(value)).toThrow(/IP address with an optional port \(host\[:port\]\), such as 192\.0\.2\.53, .*\[2001:db8::53\]:5353/);
  });

  it('doctor --dns-server nonsense: a usage error (exit 2) naming the flag, before the target is looked up', async () => {
    const io = new RecordingIo();
    let resolved = false;
    const code = await main(['doctor', '--dns-server', 'nonsense'], {
      io,
      resolve: async () => {
        resolved = true;
        throw new Error('no target in this test');
      },
    });
    expect(code).toBe(EXIT.usage);
    expect(resolved).toBe(false);
    const text = io.stderr.join('\n');
    expect(text).toMatch(/--dns-server <host:port>' argument 'nonsense' is invalid\. expected the DNS server's IP address/);
    expect(text).not.toMatch(/TypeError/);
  });
});
