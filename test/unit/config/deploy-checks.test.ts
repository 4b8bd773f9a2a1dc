import { describe, expect, it } from 'vitest';
import { parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';
import { dsnIdentityProblems, forwardClientWarnings, port25Problems } from '../../../lib/checks/deploy-checks.js';

const route = (over: Record<string, unknown> = {}) => ({
  name: 'corp',
  domains: ['example.com'],
  primary: { host: 'mail.example.com', port: 587 },
  ...over,
});
const config = (over: Record<string, unknown>) => parseBackupMxConfig({ region: 'us-east-1', routes: [route()], ...over });

describe('deploy checks', () => {
  it('port 25 is refused without egress, allowed with vpc-nat; other ports pass', () => {
    const on25 = config({ routes: [route({ primary: { host: 'mx.example.com', port: 25 } })] });
    expect(port25Problems(on25)).toHaveLength(1);
    expect(port25Problems(on25)[0]).toMatch(/never open.*587 or 2525.*vpc-nat/);
    expect(port25Problems({ ...on25, egress: 'vpc-nat' })).toEqual([]);
    expect(port25Problems(config({}))).toEqual([]);
  });

  it('the parser itself accepts port 25: the local runner delivers on any port', () => {
    expect(() => config({ routes: [route({ primary: { host: 'mx.example.com', port: 25 } })] })).not.toThrow();
  });

  it('the DSN hostname must be under a route domain or the named SES identity', () => {
    expect(dsnIdentityProblems(config({}))).toEqual([]); // default backup-mx.example.com
    expect(dsnIdentityProblems(config({ hostname: 'example.com' }))).toEqual([]);
    const outside = config({ hostname: 'mx.other.net' });
    expect(dsnIdentityProblems(outside)[0]).toMatch(/"mx\.other\.net" is not under any route domain.*dsnIdentity/);
    expect(dsnIdentityProblems(config({ hostname: 'mx.other.net', dsnIdentity: 'other.net' }))).toEqual([]);
    expect(dsnIdentityProblems(config({ hostname: 'mx.other.net', dsnIdentity: 'third.org' }))[0]).toMatch(/does not cover/);
    // A lookalike suffix is not a subdomain.
    expect(dsnIdentityProblems(config({ hostname: 'mx.notexample.com' }))).toHaveLength(1);
  });

  it('routes that only dead-letter send no DSNs, so any hostname is fine', () => {
    expect(dsnIdentityProblems(config({ hostname: 'mx.other.net', routes: [route({ bouncePolicy: 'dead-letter' })] }))).toEqual([]);
  });

  it('forwardClient without an egress mode warns (the primary authorises by IP), naming the field and the fixes', () => {
    const xclient = config({ routes: [route({ primary: { host: 'mx.example.com', port: 2527, forwardClient: 'xclient' } })] });
    expect(forwardClientWarnings(xclient)).toEqual([
      { route: 'corp', message: expect.stringMatching(/^backupMx\.routes\[0\]\.primary\.forwardClient is "xclient" but "egress" is "none".*XCLIENT by client IP.*"vpc-nat-instance".*or set forwardClient to "none"$/) },
    ]);
    expect(forwardClientWarnings({ ...xclient, egress: 'vpc-nat-instance' })).toEqual([]);
    expect(forwardClientWarnings(config({}))).toEqual([]); // "none" by default
  });

  it('forwardClient accepts "xclient", "xforward", "none" and names itself on anything else', () => {
    expect(config({ routes: [route({ primary: { host: 'mx.example.com', port: 587, forwardClient: 'xforward' } })] }).routes[0]!.primary.forwardClient).toBe('xforward');
    expect(config({}).routes[0]!.primary.forwardClient).toBe('none');
    expect(() => config({ routes: [route({ primary: { host: 'mx.example.com', port: 587, forwardClient: 'XCLIENT' } })] })).toThrow(
      /routes\[0\]\.primary\.forwardClient.*expected "none" \| "xclient" \| "xforward", got "XCLIENT"/,
    );
  });
});
