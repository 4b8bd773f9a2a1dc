import { describe, expect, it } from 'vitest';
import { forwardCommands, MAX_COMMAND, xtext } from '../../../lambdas/adapters/smtp/forward-client.js';
import type { OriginalClient } from '../../../lambdas/core/message/original-client.js';

const ALL = ['NAME', 'ADDR', 'PROTO', 'HELO'];
const client: OriginalClient = { addr: '192.0.2.10', family: 4, name: 'mail.alice.example', helo: 'mail.alice.example' };

describe('forwardCommands', () => {
  it('one line with HELO, PROTO, NAME and ADDR last', () => {
    expect(forwardCommands('XCLIENT', client, ALL)).toEqual(['XCLIENT HELO=mail.alice.example PROTO=ESMTP NAME=mail.alice.example ADDR=192.0.2.10']);
  });

  it('IPv6 with the IPV6: prefix and no brackets; no reverse name is [UNAVAILABLE]', () => {
    expect(forwardCommands('XFORWARD', { addr: '2001:db8::25', family: 6, helo: '[IPv6:2001:db8::25]' }, ALL)).toEqual([
      'XFORWARD HELO=[IPv6:2001:db8::25] PROTO=ESMTP NAME=[UNAVAILABLE] ADDR=IPV6:2001:db8::25',
    ]);
  });

  it('only the attributes the primary offered; nothing without ADDR', () => {
    expect(forwardCommands('XCLIENT', client, ['ADDR', 'NAME'])).toEqual(['XCLIENT NAME=mail.alice.example ADDR=192.0.2.10']);
    expect(forwardCommands('XCLIENT', client, ['NAME', 'HELO'])).toEqual([]);
  });

  it(`keeps every line within ${MAX_COMMAND} characters with 255-character names, ADDR in the last line`, () => {
    const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(60)}.ex`;
    expect(long).toHaveLength(255);
    const lines = forwardCommands('XCLIENT', { addr: 'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255', family: 6, name: long, helo: long }, ALL);
    expect(lines.length).toBe(2);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(MAX_COMMAND);
    expect(lines[lines.length - 1]).toMatch(/ ADDR=IPV6:\S+$/);
    expect(lines.join(' ')).toContain(`NAME=${long}`);
  });
});

describe('xtext', () => {
  it('encodes "+", "=", space, controls and 8-bit bytes as +HH, leaves the rest', () => {
    expect(xtext('a+b=c d\r\n')).toBe('a+2Bb+3Dc+20d+0D+0A');
    expect(xtext('[UNAVAILABLE]')).toBe('[UNAVAILABLE]');
    expect(xtext('é')).toBe('+C3+A9');
  });
});
