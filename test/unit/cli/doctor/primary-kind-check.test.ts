// doctor's hint at the setup section that fits a route's primary: cloud names
// (the primary's host, the domains' MX records) matched strictly by zone, a
// Postfix greeting only when no cloud name matched, nothing otherwise.
import { describe, expect, it } from 'vitest';
import { checkPrimaryKind, cloudKindOfHost } from '../../../../cli/doctor/primary-kind-check.js';
import type { MxRecord } from '../../../../cli/doctor/mx-check.js';
import type { Route } from '../../../../lambdas/core/model.js';

const OURS = 'inbound-smtp.eu-west-1.amazonaws.com';
const route = (host: string, domains = ['example.com']): Route => ({
  name: 'main', domains, primary: { host, port: 25, tls: 'verify' }, queueUrl: 'q', bouncePolicy: 'dsn',
});
const mx = (entries: Record<string, string[]>) =>
  new Map<string, MxRecord[]>(Object.entries(entries).map(([d, hosts]) => [d, hosts.map((exchange, i) => ({ exchange, priority: 10 * (i + 1) }))]));

describe('cloudKindOfHost', () => {
  it.each([
    ['aspmx.l.google.com', 'google-workspace'],
    ['ALT1.ASPMX.L.GOOGLE.COM.', 'google-workspace'],
    ['smtp.google.com', 'google-workspace'],
    ['aspmx2.googlemail.com', 'google-workspace'],
    ['example-com.mail.protection.outlook.com', 'microsoft-365'],
    ['contoso-com.mail.protection.outlook.com.', 'microsoft-365'],
  ])('%s → %s', (host, kind) => expect(cloudKindOfHost(host)).toBe(kind));

  it.each([
    'google.com', // the zone itself is no mail host
    'notgoogle.com',
    'aspmx.l.google.com.attacker.example', // the zone must be the end of the name
    'mail.protection.outlook.com',
    'outlook.com',
    'example-com.mail.protection.outlook.com.evil.example',
    'mx.example.com',
    '203.0.113.25',
    'x\u001b[2J.mail.protection.outlook.com', // not a host name: never matched, never printed
  ])('%s → nothing', (host) => expect(cloudKindOfHost(host)).toBeUndefined());
});

describe('checkPrimaryKind', () => {
  it('a Google MX suggests the Google Workspace section, informational only', () => {
    const result = checkPrimaryKind({ route: route('mx.example.com'), mx: mx({ 'example.com': ['aspmx.l.google.com', OURS] }) });
    expect(result).toEqual({
      check: 'primary setup main',
      status: 'ok',
      detail: 'Google Workspace (MX of example.com aspmx.l.google.com): see docs/primary-setup.md#google-workspace for the egress IP as an inbound gateway, ARC',
    });
    expect(result).not.toHaveProperty('fix');
  });

  it('the primary host alone suggests Microsoft 365, and the greeting does not add Postfix then', () => {
    const result = checkPrimaryKind({ route: route('Example-COM.mail.protection.outlook.com.'), mx: new Map(), greeting: 'mx ESMTP Postfix' });
    expect(result?.status).toBe('ok');
    expect(result?.detail).toBe('Microsoft 365 (primary example-com.mail.protection.outlook.com): see docs/primary-setup.md#microsoft-365 for an inbound connector from the egress IP, Enhanced Filtering, a trusted ARC sealer');
  });

  it('names every domain that points at a service, and both services in a migration', () => {
    const result = checkPrimaryKind({
      route: route('aspmx.l.google.com', ['example.com', 'Example.NET']),
      mx: mx({ 'example.com': ['aspmx.l.google.com', OURS], 'example.net': ['example-net.mail.protection.outlook.com', OURS] }),
    });
    expect(result?.detail).toMatch(/^Google Workspace \(primary aspmx\.l\.google\.com, MX of example\.com aspmx\.l\.google\.com\): see docs\/primary-setup\.md#google-workspace/);
    expect(result?.detail).toMatch(/; Microsoft 365 \(MX of example\.net example-net\.mail\.protection\.outlook\.com\): see docs\/primary-setup\.md#microsoft-365/);
    expect(result?.detail).toMatch(/\(both: a migration between them\?\)$/);
  });

  it('a Postfix greeting suggests the Postfix section when no cloud name matched', () => {
    const result = checkPrimaryKind({ route: route('mx.example.com'), mx: mx({ 'example.com': ['mx.example.com', OURS] }), greeting: 'mx.example.com ESMTP Postfix (Debian/GNU)' });
    expect(result?.detail).toBe('Postfix (its greeting names Postfix): see docs/primary-setup.md#postfix for an authenticated listener for backup-mx');
  });

  it('nothing recognised, no finding: other MX names, lookalikes, another greeting, no answer', () => {
    expect(checkPrimaryKind({ route: route('mx.example.com'), mx: mx({ 'example.com': ['mx.example.com', OURS] }), greeting: 'mx.example.com ESMTP Exim 4.97' })).toBeUndefined();
    expect(checkPrimaryKind({ route: route('mail.google.com.example.org'), mx: mx({ 'example.com': ['aspmx.l.google.com.example.org'] }) })).toBeUndefined();
    expect(checkPrimaryKind({ route: route('127.0.0.1'), mx: new Map() })).toBeUndefined();
  });
});
