// operator.healthHistory: what the console's up/down timelines draw. The probe
// records the transitions; the read returns those since a time, ascending,
// with the state the period began in first (its `at` before `since`).
import { describe, expect, it } from 'vitest';
import type { HealthTransition } from '../../../../lambdas/core/operator/operator-reads.js';
import { operatorWorld } from '../../../support/world/operator-world.js';

describe('operator.healthHistory', () => {
  it('the last day of a primary that went down and came back, begun with the state before it', async () => {
    const { h, operator } = operatorWorld();
    const prober = h.prober();
    h.probe.up('mail.example.com');
    await prober.round();
    const upAt = h.clock.now();
    h.clock.advance(30 * 3_600);
    h.probe.down('mail.example.com', 'connect: ECONNREFUSED');
    await prober.round();
    const downAt = h.clock.now();
    h.clock.advance(2 * 3_600);
    h.probe.up('mail.example.com');
    await prober.round();
    const backAt = h.clock.now();
    h.clock.advance(600);

    const day = new Date(h.clock.now().getTime() - 86_400_000);
    const history: HealthTransition[] = await operator.healthHistory('main', day);
    expect(history).toEqual([
      { at: upAt, up: true },
      { at: downAt, up: false, error: 'connect: ECONNREFUSED' },
      { at: backAt, up: true },
    ]);
    expect(history[0]!.at.getTime()).toBeLessThan(day.getTime());
    // An hour: only the state it began in.
    expect(await operator.healthHistory('main', new Date(h.clock.now().getTime() - 300_000))).toEqual([{ at: backAt, up: true }]);
    // A route never probed: nothing known.
    expect(await operator.healthHistory('other', day)).toEqual([]);
  });

  it('a primary steady for longer than the kept history begins with its health item', async () => {
    const { h, operator } = operatorWorld();
    const since = new Date(h.clock.now().getTime() - 7 * 86_400_000);
    await h.routeState.saveHealth({ route: 'main', status: 'down', since: new Date(since.getTime() - 86_400_000), lastCheckAt: h.clock.now(), consecutiveFailures: 9000, lastError: 'connect: ETIMEDOUT' });
    expect(await operator.healthHistory('main', since)).toEqual([{ at: new Date(since.getTime() - 86_400_000), up: false, error: 'connect: ETIMEDOUT' }]);
  });
});
