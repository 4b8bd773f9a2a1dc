import { describe, expect, it } from 'vitest';
import { PORT_25_HINT, explainProbeError } from '../../../../lambdas/core/probe/port25-hint.js';
import { harness } from '../../../support/world/engine-harness.js';

describe('the probe while AWS still blocks port 25', () => {
  it('says why a connect to port 25 times out, in the health status shows', async () => {
    const h = harness({}, { primary: { host: 'mail.example.com', port: 25, tls: 'opportunistic' } });
    h.probe.down('mail.example.com', 'connect: timeout after 10000 ms');
    await h.prober().round();
    const health = await h.routeState.health('main');
    expect(health?.lastError).toBe(`connect: timeout after 10000 ms (${PORT_25_HINT})`);
    expect(health?.lastError).toMatch(/lifts the limit for this account and Elastic IP/);
  });

  it('leaves other errors and other ports alone', () => {
    expect(explainProbeError({ port: 25 }, 'connect: ECONNREFUSED')).toBe('connect: ECONNREFUSED');
    expect(explainProbeError({ port: 2525 }, 'connect: timeout after 10000 ms')).toBe('connect: timeout after 10000 ms');
    expect(explainProbeError({ port: 25 }, 'greeting: timeout after 10000 ms')).toBe('greeting: timeout after 10000 ms');
    expect(explainProbeError({ port: 25 }, 'connect: ETIMEDOUT')).toContain(PORT_25_HINT);
  });
});
