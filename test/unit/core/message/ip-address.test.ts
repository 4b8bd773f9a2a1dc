import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ipFamily } from '../../../../lambdas/core/message/ip-address.js';

// Core cannot import node:net; its own check must agree with it on what a mail server writes.
const cases = [
  '192.0.2.1', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '1.2.3.4 ', '',
  '::', '::1', '2001:db8::25', '2001:DB8:0:0:0:0:0:25', '2001:db8:0:0:0:0:0:0:25', '1::2::3', ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7::',
  '::ffff:192.0.2.9', '64:ff9b::192.0.2.33', '1:2:3:4:5:6:192.0.2.1', '1:2:3:4:5:6:7:192.0.2.1', '::ffff:192.0.2.256', '12345::1', 'g::1',
  'fe80::1%eth0', '2001:db8::25]', 'localhost',
];

describe('ipFamily', () => {
  it.each(cases)('%j: as node:net isIP', (text) => {
    expect(ipFamily(text)).toBe(isIP(text) === 6 && text.includes('%') ? 0 : isIP(text));
  });
});
