// The drain says why it stopped (DrainStopped{reason}): the "deliveries failing
// while the probe says up" alarm counts the connection-failed stops.
import { describe, expect, it } from 'vitest';
import { harness } from '../../../support/world/engine-harness.js';

describe('DrainRoute stop reason metric', () => {
  it('one DrainStopped per run with its reason: connection-failed after a session failure, queue-empty after a clean run', async () => {
    const h = harness();
    await h.arrive();
    h.transports.failNextSession({ text: '535 5.7.8 Authentication credentials invalid', errorCode: 'EAUTH' });
    expect((await h.runDrain()).stoppedBecause).toBe('connection-failed');
    expect(h.metrics.stops).toEqual([{ reason: 'connection-failed', route: 'main' }]);

    await h.routeState.saveHealth({ route: 'main', status: 'up', since: h.clock.now(), lastCheckAt: h.clock.now(), consecutiveFailures: 0 });
    h.clock.advance(120);
    await h.runDrain();
    expect(h.metrics.stops.map((s) => s.reason)).toEqual(['connection-failed', 'queue-empty']);
  });

  it('a run that never started (primary known down) publishes none', async () => {
    const h = harness();
    await h.primaryDown();
    expect((await h.runDrain()).stoppedBecause).toBe('primary-down');
    expect(h.metrics.stops).toEqual([]);
  });
});
