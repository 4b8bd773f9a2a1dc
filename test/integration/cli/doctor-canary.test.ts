// doctor's canary check against a DNS server on 127.0.0.1 (test/support/net/dns-server.ts):
// the canary subdomain's only MX must be this region's SES inbound endpoint,
// and the fix names the exact record; off, it is skipped; locally, a missing
// record is a warning (the local run sends the canary through its stand-in).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCanaryMx } from '../../../cli/commands/doctor.js';
import { checkCanaryMx } from '../../../cli/doctor/canary-check.js';
import { mxLookup } from '../../../cli/doctor/mx-check.js';
import { TestDnsServer } from '../../support/net/dns-server.js';

const OURS = 'inbound-smtp.eu-west-1.amazonaws.com';

describe('doctor: the canary\'s MX record', () => {
  let dns: TestDnsServer;
  beforeAll(async () => {
    dns = await TestDnsServer.start({
      'canary.good.test': [{ priority: 10, exchange: OURS }],
      'canary.region.test': [{ priority: 10, exchange: 'inbound-smtp.us-east-1.amazonaws.com' }],
      'canary.extra.test': [{ priority: 5, exchange: 'mail.extra.test' }, { priority: 10, exchange: OURS }],
    });
  });
  afterAll(() => dns.stop());

  it('passes when SES inbound of the stack\'s region is the only MX', async () => {
    const result = await checkCanaryMx(mxLookup(dns.address), 'canary@canary.good.test', 'eu-west-1');
    expect(result).toMatchObject({ status: 'ok', check: 'canary MX canary.good.test' });
    expect(dns.queries).toContain('canary.good.test 15');
  });

  it.each([
    ['canary.none.test', /canary\.none\.test has no MX record: the canary cannot arrive/],
    ['canary.region.test', /MX 10 inbound-smtp\.us-east-1\.amazonaws\.com: not inbound-smtp\.eu-west-1/],
    ['canary.extra.test', /MX records besides .*\(5 mail\.extra\.test\): the canary would reach them too/],
  ])('%s fails, with the record to add', async (domain, detail) => {
    const result = await checkCanaryMx(mxLookup(dns.address), `canary@${domain}`, 'eu-west-1');
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(detail);
    expect(result.fix).toBe(`add ${domain} MX 10 ${OURS} as its only MX record (or set "canary": false and deploy)`);
  });

  it('is skipped when the stack sends no canary', async () => {
    expect(await checkCanaryMx(mxLookup(dns.address), undefined, 'eu-west-1')).toMatchObject({ status: 'skip' });
  });

  it('a DNS server that does not answer is a lookup failure, not a verdict on the record', async () => {
    const silent = mxLookup('127.0.0.1:9', 300);
    const result = await checkCanaryMx(silent, 'canary@canary.good.test', 'eu-west-1');
    expect(result).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^lookup failed: /) });
  });

  it('for a local run a missing record is a warning, said as such', async () => {
    const result = localCanaryMx(await checkCanaryMx(mxLookup(dns.address), 'canary@canary.none.test', 'eu-west-1'));
    expect(result.status).toBe('warn');
    expect(result.detail).toBe('canary.none.test has no MX record: needed once deployed (the local run sends the canary through its stand-in)');
  });
});
