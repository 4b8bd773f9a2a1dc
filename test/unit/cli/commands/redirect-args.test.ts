// `redirect --to host[:port]`: the forms an operator types, and the ones refused naming the flag.
import { describe, expect, it } from 'vitest';
import { DEFAULT_REDIRECT_PORT, parseHostPort } from '../../../../cli/commands/redirect.js';
import { UsageError } from '../../../../cli/errors.js';

describe('redirect --to', () => {
  it.each([
    ['mx-new.example.com', { host: 'mx-new.example.com', port: DEFAULT_REDIRECT_PORT }],
    ['mx-new.example.com:2525', { host: 'mx-new.example.com', port: 2525 }],
    [' 192.0.2.7:587 ', { host: '192.0.2.7', port: 587 }],
    ['[2001:db8::7]:2525', { host: '2001:db8::7', port: 2525 }],
    ['[2001:db8::7]', { host: '2001:db8::7', port: 25 }],
    ['2001:db8::7', { host: '2001:db8::7', port: 25 }],
  ])('%s', (text, expected) => {
    expect(parseHostPort(text)).toEqual(expected);
  });

  it.each([
    [':25', '--to: ":25" names no host'],
    ['mx.example.com:smtp', '--to: "smtp" is not a port'],
    ['mx.example.com:', '--to: "" is not a port'],
  ])('refuses %s', (text, message) => {
    expect(() => parseHostPort(text)).toThrow(UsageError);
    expect(() => parseHostPort(text)).toThrow(message);
  });
});
