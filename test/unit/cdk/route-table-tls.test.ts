// The TLS mode and pins of a primary travel to the Lambdas in the route table
// the deploy writes, and a new pin (a certificate rotation) changes every
// engine function's environment, so no warm container keeps the old pins.
import { describe, expect, it } from 'vitest';
import { ROUTE_TABLE_DIGEST_VARIABLE } from '../../../lib/constructs/route-table.js';
import { ENV, loadSettings } from '../../../lambdas/config/settings.js';
import { buildStack, deployedRoutes, resources } from '../../support/cdk/stack-fixture.js';

const PIN = `sha256:${'3A:'.repeat(31)}3A`;
const NEXT = `sha256:${'5F:'.repeat(31)}5F`;
const context = (tlsFingerprints: string[]) => ({
  region: 'us-east-1',
  routes: [{ name: 'corp', domains: ['example.com'], primary: { host: 'mail.example.com', port: 2525, tls: 'fingerprint', tlsFingerprints, authSecretName: 'backup-mx/corp' } }],
});

const digests = (template: ReturnType<typeof buildStack>['template']) =>
  new Set(Object.values(resources(template, 'AWS::Lambda::Function')).map((fn) => fn.Properties?.Environment?.Variables?.[ROUTE_TABLE_DIGEST_VARIABLE]).filter(Boolean));

describe('tls "fingerprint" in the deployed route table', () => {
  const { template } = buildStack(context([PIN.toLowerCase()]));

  it('carries the mode and the pins in canonical form, as the Lambdas parse them', () => {
    const routes = deployedRoutes(template);
    expect(routes[0]!.primary).toEqual({ host: 'mail.example.com', port: 2525, tls: 'fingerprint', tlsFingerprints: [PIN], authSecretName: 'backup-mx/corp' });
    const settings = loadSettings({ [ENV.routes]: JSON.stringify(routes), [ENV.tableName]: 't', [ENV.bucketName]: 'b', [ENV.deadLetterQueueUrl]: 'q' });
    expect(settings.routes[0]!.primary.tlsFingerprints).toEqual([PIN]);
  });

  it('a new pin changes the digest every function carries', () => {
    const before = digests(template);
    expect(before.size).toBe(1);
    const after = digests(buildStack(context([PIN, NEXT])).template);
    expect(after.size).toBe(1);
    expect([...after][0]).not.toBe([...before][0]);
  });
});
