// Scheduling and cancelling maintenance windows on fakes: the bounds (each
// refusal names its flag), ended windows dropped on the next write, a race
// between two writers, and the wait a window starting now shares with `hold`.
import { describe, expect, it } from 'vitest';
import { HOLD_WAIT_SECONDS } from '../../../../lambdas/core/operator/hold-route.js';
import { MAX_WINDOWS_PER_ROUTE, WindowRefusedError } from '../../../../lambdas/core/probe/maintenance-windows.js';
import { operatorWorld } from '../../../support/world/operator-world.js';

const DAY = 86_400;
const LIFETIME = 5 * DAY;
const at = (iso: string) => new Date(iso);
// The harness's clock starts at 2026-01-05T10:00:00Z.

describe('HoldRoute: maintenance windows', () => {
  it('schedules several windows per route, lists the live ones by start, and stores no wait for a later start', async () => {
    const { h, operator, sleeps } = operatorWorld();
    await h.arrive();
    await h.queue.receive(1, 0, 300); // in flight: only a window starting now waits
    const later = await operator.hold.schedule(h.route, { from: at('2026-01-06T02:00:00Z'), until: at('2026-01-06T04:00:00Z'), reason: 'kernel' }, LIFETIME);
    const sooner = await operator.hold.schedule(h.route, { from: at('2026-01-05T20:00:00Z'), until: at('2026-01-05T21:00:00Z') }, LIFETIME);
    expect(later).toEqual({ window: { id: expect.stringMatching(/^w[0-9a-z]{6}$/), from: at('2026-01-06T02:00:00Z'), until: at('2026-01-06T04:00:00Z'), reason: 'kernel' }, inFlight: 0 });
    expect(sleeps).toEqual([]);
    expect((await operator.hold.windows('main')).map((w) => w.id)).toEqual([sooner.window.id, later.window.id]);
    expect(later.window.id).not.toBe(sooner.window.id);
  });

  it('a window starting now (no --from) waits out a running drain’s cached hold, as hold does', async () => {
    const { h, operator, sleeps } = operatorWorld();
    await h.arrive();
    await h.queue.receive(1, 0, 300);
    const heard: number[] = [];
    const { window, inFlight } = await operator.hold.schedule(h.route, { until: at('2026-01-05T12:00:00Z') }, LIFETIME, (s) => heard.push(s));
    expect(window.from).toEqual(at('2026-01-05T10:00:00Z'));
    expect(inFlight).toBe(1);
    expect(heard).toEqual([HOLD_WAIT_SECONDS]);
    expect(sleeps).toEqual([HOLD_WAIT_SECONDS * 1000]);
  });

  it.each([
    ['--until', { until: at('2026-01-05T09:00:00Z') }, /--until: .* is in the past/],
    ['--until', { from: at('2026-01-05T12:00:00Z'), until: at('2026-01-05T11:00:00Z') }, /--until: must be after --from/],
    ['--from', { from: at('2026-01-05T08:00:00Z'), until: at('2026-01-05T11:00:00Z') }, /--from: .* is in the past; leave --from out/],
    ['--until', { until: at('2026-01-10T10:00:01Z') }, /--until: the window lasts 5 d, longer than the queue lifetime \(5 d\)/],
    ['--reason', { until: at('2026-01-05T11:00:00Z'), reason: 'x'.repeat(201) }, /--reason: at most 200 characters/],
  ])('refuses a bad %s, naming the flag, and stores nothing', async (flag, request, message) => {
    const { h, operator } = operatorWorld();
    const refused = operator.hold.schedule(h.route, request, LIFETIME);
    await expect(refused).rejects.toThrow(WindowRefusedError);
    await expect(refused).rejects.toMatchObject({ flag, message: expect.stringMatching(message) });
    expect(await h.routeState.windows('main')).toEqual({ windows: [], version: 0 });
  });

  it('takes a window exactly as long as the queue lifetime, and a --from a few seconds old as now', async () => {
    const { h, operator } = operatorWorld();
    const { window } = await operator.hold.schedule(h.route, { from: at('2026-01-05T09:59:30Z'), until: at('2026-01-10T10:00:00Z') }, LIFETIME);
    expect(window.from).toEqual(at('2026-01-05T10:00:00Z'));
  });

  it(`bounds the live windows at ${MAX_WINDOWS_PER_ROUTE} per route; ended ones do not count and are dropped by the next write`, async () => {
    const { h, operator } = operatorWorld();
    for (let i = 0; i < MAX_WINDOWS_PER_ROUTE; i++) {
      await operator.hold.schedule(h.route, { from: new Date(h.clock.now().getTime() + (i + 1) * 60_000), until: new Date(h.clock.now().getTime() + (i + 1) * 60_000 + 30_000) }, LIFETIME);
    }
    const more = { from: at('2026-01-06T10:00:00Z'), until: at('2026-01-06T11:00:00Z') };
    await expect(operator.hold.schedule(h.route, more, LIFETIME)).rejects.toMatchObject({ flag: 'route', message: expect.stringContaining(`at most ${MAX_WINDOWS_PER_ROUTE}`) });
    h.clock.advance(90); // the first window (10:01:00–10:01:30) has ended
    await operator.hold.schedule(h.route, more, LIFETIME);
    const stored = await h.routeState.windows('main');
    expect(stored.windows).toHaveLength(MAX_WINDOWS_PER_ROUTE);
    expect(stored.windows.some((w) => w.until <= h.clock.now())).toBe(false);
    // The dropped window's end is kept: "primary down" counts from it.
    expect(stored.lastEnded).toEqual(at('2026-01-05T10:01:30Z'));
  });

  it('reads again when another write came first', async () => {
    const { h, operator } = operatorWorld();
    const save = h.routeState.saveWindows.bind(h.routeState);
    let raced = false;
    h.routeState.saveWindows = async (route, windows, version) => {
      if (!raced) {
        raced = true; // another operator's window lands between our read and our write
        await save(route, { windows: [{ id: 'wother1', from: at('2026-01-07T00:00:00Z'), until: at('2026-01-07T01:00:00Z') }] }, version);
      }
      return save(route, windows, version);
    };
    const { window } = await operator.hold.schedule(h.route, { from: at('2026-01-06T00:00:00Z'), until: at('2026-01-06T01:00:00Z') }, LIFETIME);
    expect((await operator.hold.windows('main')).map((w) => w.id)).toEqual([window.id, 'wother1']);
  });

  it('cancels a window by id; cancelling one that is on ends it now for "primary down"', async () => {
    const { h, operator } = operatorWorld();
    const planned = await operator.hold.schedule(h.route, { from: at('2026-01-06T00:00:00Z'), until: at('2026-01-06T01:00:00Z') }, LIFETIME);
    const current = await operator.hold.schedule(h.route, { until: at('2026-01-05T12:00:00Z') }, LIFETIME);
    expect(await operator.hold.cancelWindow(h.route, planned.window.id)).toEqual(planned.window);
    expect((await h.routeState.windows('main')).lastEnded).toBeUndefined();
    h.clock.advance(600);
    expect(await operator.hold.cancelWindow(h.route, current.window.id)).toEqual(current.window);
    expect(await h.routeState.windows('main')).toMatchObject({ windows: [], lastEnded: at('2026-01-05T10:10:00Z') });
    expect(await operator.hold.cancelWindow(h.route, 'wnone00')).toBeUndefined();
  });

  it('leaves the operator’s hold alone: release lifts the hold, not a window', async () => {
    const { h, operator } = operatorWorld();
    await operator.hold.schedule(h.route, { until: at('2026-01-05T12:00:00Z') }, LIFETIME);
    expect(await operator.hold.release(h.route)).toBeUndefined();
    expect(await operator.hold.windows('main')).toHaveLength(1);
  });
});
