import { describe, expect, it } from 'vitest';
import { asciiAddress, RecipientRouter } from '../../../local/ses-standin/recipient-router.js';

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
