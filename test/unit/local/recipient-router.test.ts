import { describe, expect, it } from 'vitest';
import { RecipientRouter } from '../../../local/ses-standin/recipient-router.js';

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
