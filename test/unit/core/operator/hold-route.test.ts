// Hold and release on fakes: "none starts after it returns" is the use case's
// promise, so it waits out a running drain's cached hold itself.
import { describe, expect, it } from 'vitest';
import { HOLD_CACHE_SECONDS } from '../../../../lambdas/core/drain/drain-route.js';
import { HOLD_WAIT_SECONDS } from '../../../../lambdas/core/operator/hold-route.js';
import { operatorWorld } from '../../../support/world/operator-world.js';

describe('HoldRoute', () => {
  it('with messages in flight, sets the hold and then waits longer than a drain caches it', async () => {
    const { h, operator, sleeps } = operatorWorld();
    await h.arrive();
    await h.queue.receive(1, 0, 300); // a drain holds it
    const heard: number[] = [];
    const result = await operator.hold.hold(h.route, 'migration', (s) => heard.push(s));
    expect(result).toEqual({ held: { since: new Date('2026-01-05T10:00:00Z'), reason: 'migration' }, inFlight: 1 });
    expect(await h.routeState.hold('main')).toEqual({ since: new Date('2026-01-05T10:00:00Z'), reason: 'migration' });
    expect(HOLD_WAIT_SECONDS).toBeGreaterThan(HOLD_CACHE_SECONDS);
    expect(heard).toEqual([HOLD_WAIT_SECONDS]);
    expect(sleeps).toEqual([HOLD_WAIT_SECONDS * 1000]);
  });

  it('does not wait with nothing in flight, and leaves an existing hold as it was', async () => {
    const { h, operator, sleeps } = operatorWorld();
    const first = await operator.hold.hold(h.route, undefined);
    expect(first).toEqual({ held: { since: h.clock.now() }, inFlight: 0 });
    expect(sleeps).toEqual([]);
    h.clock.advance(60);
    expect(await operator.hold.hold(h.route, 'again')).toEqual({ already: { since: new Date('2026-01-05T10:00:00Z') } });
    expect(await h.routeState.hold('main')).toEqual({ since: new Date('2026-01-05T10:00:00Z') });
  });

  it('release lifts the hold and returns it; undefined when not held', async () => {
    const { h, operator } = operatorWorld();
    await operator.hold.hold(h.route, 'x');
    expect(await operator.hold.release(h.route)).toEqual({ since: new Date('2026-01-05T10:00:00Z'), reason: 'x' });
    expect(await h.routeState.hold('main')).toBeUndefined();
    expect(await operator.hold.release(h.route)).toBeUndefined();
  });
});
