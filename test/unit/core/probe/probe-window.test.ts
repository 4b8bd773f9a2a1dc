// The probe and a maintenance window, on a fake clock: no drain inside it even
// with the primary up and mail waiting (a log line says why), and the first
// round after it ends starts the drain: within one probe interval. "Primary
// down" is not raised inside a window and counts from its end after it; the
// conditions about waiting mail stay as they are (a window hides no mail).
import { describe, expect, it } from 'vitest';
import { conditionsOf, ROUTE_CONDITIONS } from '../../../../lambdas/core/problems/conditions.js';
import { harness } from '../../../support/world/engine-harness.js';

const at = (iso: string) => new Date(iso);
const INTERVAL = 60;

function conditionsNow(h: ReturnType<typeof harness>): string[] {
  const last = h.metrics.gauges.filter((g) => g.name === 'RouteProblems').at(-1);
  return last ? conditionsOf(ROUTE_CONDITIONS, last.value) : [];
}

describe('the probe and a maintenance window', () => {
  it('starts no drain inside the window though the primary is up, and starts one at the first round after it ends', async () => {
    const h = harness();
    const { messageId } = await h.arrive();
    await h.index.add({ messageId, route: 'main', sender: 'a@sender.example', recipients: ['bob@example.com'], receivedAt: h.clock.now(), state: 'queued' });
    const until = at('2026-01-05T10:30:30Z');
    await h.routeState.saveWindows('main', { windows: [{ id: 'wdeploy', from: at('2026-01-05T09:45:00Z'), until }] }, 0);
    h.probe.up('mail.example.com');
    const prober = h.prober(INTERVAL);

    const inside = (await prober.run())[0]![0]!;
    expect(inside).toMatchObject({ status: 'up', held: true });
    expect(h.drains.started.filter((s) => s.mode === 'deliver')).toEqual([]);
    expect(h.log.lines).toContainEqual(expect.objectContaining({ message: 'held: maintenance window until 2026-01-05T10:30:30.000Z', fields: expect.objectContaining({ route: 'main', window: 'wdeploy', queued: 1 }) }));

    // Round after round until one starts a drain: the first round at or after the end does.
    let startedAt: Date | undefined;
    while (!startedAt) {
      h.clock.advance(INTERVAL);
      const outcome = (await prober.run())[0]![0]!;
      if (outcome.started === 'deliver') startedAt = h.clock.now();
      else expect(h.clock.now().getTime()).toBeLessThan(until.getTime());
    }
    expect(startedAt.getTime() - until.getTime()).toBeGreaterThanOrEqual(0);
    expect(startedAt.getTime() - until.getTime()).toBeLessThanOrEqual(INTERVAL * 1000);
    expect(h.drains.started.at(-1)).toEqual({ route: 'main', mode: 'deliver' });
  });

  it('raises no "primary down" inside a window; after it, counts the down time from its end', async () => {
    const h = harness();
    // Down since 09:00, inside a window from 09:30 to 11:00.
    await h.routeState.saveHealth({ route: 'main', status: 'down', since: at('2026-01-05T09:00:00Z'), lastCheckAt: at('2026-01-05T09:59:00Z'), consecutiveFailures: 60, lastError: 'connect: ECONNREFUSED' });
    await h.routeState.saveWindows('main', { windows: [{ id: 'wswap', from: at('2026-01-05T09:30:00Z'), until: at('2026-01-05T11:00:00Z') }] }, 0);
    h.probe.down('mail.example.com');
    const prober = h.prober(INTERVAL);

    await prober.run(); // 10:00, down for an hour
    expect(conditionsNow(h)).toEqual([]);
    h.clock.set('2026-01-05T11:14:00Z');
    await prober.run();
    expect(conditionsNow(h)).toEqual([]);
    h.clock.set('2026-01-05T11:15:00Z'); // primaryDownMinutes (15) after the window's end
    await prober.run();
    expect(conditionsNow(h)).toEqual(['primary-down']);
    // It began at the end's threshold, so it is announced two minutes later, as any condition is.
    expect((await h.problemStates.get('main'))?.conditions['primary-down']).toEqual({ since: at('2026-01-05T11:15:00Z'), announced: false });
    h.clock.set('2026-01-05T11:17:00Z');
    await prober.run();
    const began = h.log.lines.find((l) => l.message === 'problem began');
    expect(began?.fields).toMatchObject({ route: 'main', condition: 'primary-down', detail: expect.stringContaining('down for 17 min since the maintenance window ended at 2026-01-05T11:00:00.000Z') });
  });

  it('counts from the end of a window a later write dropped (the stored lastEnded)', async () => {
    const h = harness();
    await h.routeState.saveHealth({ route: 'main', status: 'down', since: at('2026-01-05T09:00:00Z'), lastCheckAt: at('2026-01-05T09:59:00Z'), consecutiveFailures: 60, lastError: 'connect: ECONNREFUSED' });
    // The window ended at 09:55 and was dropped by a later write, which kept its end.
    await h.routeState.saveWindows('main', { windows: [{ id: 'wnext', from: at('2026-01-06T00:00:00Z'), until: at('2026-01-06T01:00:00Z') }], lastEnded: at('2026-01-05T09:55:00Z') }, 0);
    h.probe.down('mail.example.com');
    await h.prober(INTERVAL).run();
    expect(conditionsNow(h)).toEqual([]);
    h.clock.set('2026-01-05T10:10:00Z');
    await h.prober(INTERVAL).run();
    expect(conditionsNow(h)).toEqual(['primary-down']);
  });

  it('leaves the conditions about waiting mail on inside a window', async () => {
    const h = harness();
    const { messageId } = await h.arrive();
    await h.index.add({ messageId, route: 'main', sender: 'a@sender.example', recipients: ['bob@example.com'], receivedAt: h.clock.now(), state: 'queued' });
    await h.routeState.saveWindows('main', { windows: [{ id: 'wlong', from: h.clock.now(), until: at('2026-01-07T10:00:00Z') }] }, 0);
    h.probe.up('mail.example.com');
    h.clock.advance(61 * 60);
    await h.prober(INTERVAL).run();
    expect(conditionsNow(h)).toEqual(['oldest-message']);
  });
});
