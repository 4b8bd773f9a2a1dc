import { describe, expect, it } from 'vitest';
import { receiptRuleChunks } from '../../../../lib/config/receipt-rule-chunks.js';
import { asciiAddress, RecipientRouter } from '../../../../local/ses-standin/recipient-router.js';

const router = new RecipientRouter([
  { name: 'vip', domains: ['example.com'], recipients: ['Boss@Example.com'] },
  { name: 'main', domains: ['example.com', 'Example.ORG.'] },
  { name: 'lists', domains: ['lists.example.net'], recipients: ['announce@lists.example.net'] },
]);

describe('RecipientRouter', () => {
  it.each([
    ['boss@example.com', 'vip'],
    ['BOSS@EXAMPLE.COM', 'vip'],
    ['alice@example.com', 'main'],
    ['alice@EXAMPLE.com', 'main'],
    ['bob@example.org', 'main'],
    ['announce@lists.example.net', 'lists'],
  ])('routes %s to %s', (address, route) => {
    expect(router.routeFor(address)).toBe(route);
  });

  it.each([
    'alice@sub.example.com', // subdomains only when configured
    'alice@example.co',
    'alice@notexample.com',
    'other@lists.example.net', // outside the allow-list
    'no-at-sign',
    '@example.com',
    'alice@',
    '',
  ])('refuses %s', (address) => {
    expect(router.routeFor(address)).toBeUndefined();
  });
});

describe('internationalized domains', () => {
  const idn = new RecipientRouter([{ name: 'shop', domains: ['xn--bcher-kva.de'] }, { name: 'cafe', domains: ['café.example'] }]);

  it('matches the Unicode form smtp-server hands over against the configured ASCII form, and back', () => {
    expect(idn.routeFor('info@bücher.de')).toBe('shop');
    expect(idn.routeFor('info@xn--bcher-kva.de')).toBe('shop');
    expect(idn.routeFor('info@xn--caf-dma.example')).toBe('cafe');
    expect(idn.routeFor('info@buecher.de')).toBeUndefined();
  });

  it('passes addresses on with an ASCII domain and the local part untouched', () => {
    expect(asciiAddress('Info@bücher.de')).toBe('Info@xn--bcher-kva.de');
    expect(asciiAddress('alice@example.com')).toBe('alice@example.com');
    expect(asciiAddress('postmaster')).toBe('postmaster');
  });
});

describe('receipt rules of more than 100 recipients', () => {
  // SES matches at most 100 recipients a rule: the stack splits the list (receipt-rule-chunks), so must the stand-in.
  const many = Array.from({ length: 150 }, (_, i) => `user${String(i).padStart(3, '0')}@example.com`);
  const split = new RecipientRouter([
    { name: 'big', domains: ['example.com', 'example.org'], recipients: many },
    { name: 'main', domains: ['example.net'] },
  ]);

  it('puts the addresses in the stack\'s chunks: the first 100 (sorted) in rule 0, the rest in rule 1', () => {
    const chunks = receiptRuleChunks({ domains: ['example.com', 'example.org'], recipients: many });
    expect(chunks.map((c) => c.length)).toEqual([100, 51]);
    expect(split.ruleFor('user000@example.com')).toEqual({ route: 'big', chunk: 0 });
    expect(split.ruleFor('USER099@Example.com')).toEqual({ route: 'big', chunk: 0 });
    expect(split.ruleFor('user100@example.com')).toEqual({ route: 'big', chunk: 1 });
    expect(split.ruleFor('anyone@example.org')).toEqual({ route: 'big', chunk: chunks.findIndex((c) => c.includes('example.org')) });
    expect(split.ruleFor('someone@example.net')).toEqual({ route: 'main', chunk: 0 });
  });

  it('still refuses what no rule matches', () => {
    expect(split.ruleFor('user150@example.com')).toBeUndefined();
    expect(split.routeFor('stranger@example.com')).toBeUndefined();
  });
});
