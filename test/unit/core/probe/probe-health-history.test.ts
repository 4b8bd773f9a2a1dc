// The probe records each up/down transition as it writes the changed health
// (the console's timelines read them), and nothing on a round where nothing
// changed: the idle cost stays one health write a minute per route.
import { describe, expect, it } from 'vitest';
import { HEALTH_REFRESH_SECONDS } from '../../../../lambdas/core/probe/health-change.js';
import { withStateBefore } from '../../../../lambdas/core/probe/health-history.js';
import { harness } from '../../../support/world/engine-harness.js';

describe('the probe and the health history', () => {
  it('a flap up → down → up writes two transitions; steady rounds write none', async () => {
    const h = harness();
    const prober = h.prober();
    h.probe.up('mail.example.com');
    await prober.round();
    const began = h.clock.now();
    // The first health ever is where the history begins.
    expect(h.routeState.transitions.get('main')).toEqual([{ at: began, up: true }]);

    h.clock.advance(10);
    h.probe.down('mail.example.com', 'connect: ECONNREFUSED');
    await prober.round();
    const wentDown = h.clock.now();
    h.clock.advance(10);
    await prober.round(); // still down: no transition
    h.clock.advance(10);
    h.probe.up('mail.example.com');
    await prober.round();
    const cameBack = h.clock.now();
    expect(h.routeState.transitions.get('main')).toEqual([
      { at: began, up: true },
      { at: wentDown, up: false, error: 'connect: ECONNREFUSED' },
      { at: cameBack, up: true },
    ]);

    const writes = () => ({ transitions: h.routeState.calls.recordTransition, health: h.routeState.calls.saveHealth });
    const before = writes();
    for (let i = 0; i < 3; i++) {
      h.clock.advance(10);
      await prober.round();
    }
    // Three steady rounds inside the health refresh: no write of either kind.
    expect(writes()).toEqual(before);
    // The minutely refresh rewrites the health item, and records no transition.
    h.clock.advance(HEALTH_REFRESH_SECONDS);
    await prober.round();
    expect(writes()).toEqual({ transitions: before.transitions, health: before.health! + 1 });
    expect(h.routeState.transitions.get('main')).toHaveLength(3);
  });

  it('a transition that cannot be recorded is logged; the health is still written and the round goes on', async () => {
    const h = harness();
    await h.arrive();
    h.probe.up('mail.example.com');
    h.routeState.failNext.recordTransition = new Error('ProvisionedThroughputExceededException');
    const [outcome] = await h.prober().round();
    expect(outcome).toMatchObject({ status: 'up', started: 'deliver' });
    expect(await h.routeState.health('main')).toMatchObject({ status: 'up' });
    expect(h.log.lines.find((l) => l.message.startsWith('could not record the health transition'))?.fields).toMatchObject({ route: 'main' });
  });

  it('the timeline begins with the state before `since`: the last transition, else the health item when older', () => {
    const since = new Date('2026-01-05T00:00:00.000Z');
    const earlier = new Date('2026-01-01T00:00:00.000Z');
    const later = new Date('2026-01-05T06:00:00.000Z');
    const health = { route: 'main', status: 'down' as const, since: earlier, lastCheckAt: later, consecutiveFailures: 9, lastError: 'connect: ETIMEDOUT' };
    // Nothing kept since before the history began: the health item says how the day began.
    expect(withStateBefore([], health, since)).toEqual([{ at: earlier, up: false, error: 'connect: ETIMEDOUT' }]);
    // A kept transition before `since` is the answer already.
    const stored = [{ at: earlier, up: true }, { at: later, up: false }];
    expect(withStateBefore(stored, health, since)).toEqual(stored);
    // A primary that changed after `since` with nothing before it kept: unknown before, nothing invented.
    expect(withStateBefore([{ at: later, up: true }], { ...health, status: 'up', since: later }, since)).toEqual([{ at: later, up: true }]);
    expect(withStateBefore([], undefined, since)).toEqual([]);
  });
});
