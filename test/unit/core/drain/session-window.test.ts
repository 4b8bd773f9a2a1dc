// The session window: Postfix-like slow start to the limit, and back-off when the primary pushes back.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_SESSIONS, INITIAL_SESSIONS, SessionWindow } from '../../../../lambdas/core/drain/session-window.js';

describe('SessionWindow', () => {
  it('starts at 5 sessions and grows by one per window-full of deliveries up to 20', () => {
    const w = new SessionWindow();
    expect([DEFAULT_MAX_SESSIONS, INITIAL_SESSIONS, w.allowed]).toEqual([20, 5, 5]);
    for (let i = 0; i < 5; i++) w.delivered();
    expect(w.allowed).toBe(6);
    let deliveries = 5;
    while (w.allowed < 20) {
      w.delivered();
      deliveries++;
    }
    // 5 + 6 + … + 19 deliveries: the ramp takes a couple of hundred messages, not thousands.
    expect(deliveries).toBeLessThanOrEqual(200);
    for (let i = 0; i < 100; i++) w.delivered();
    expect(w.allowed).toBe(20);
  });

  it('never starts above its limit', () => {
    expect(new SessionWindow(3).allowed).toBe(3);
    expect(new SessionWindow(1, 5).allowed).toBe(1);
    expect(() => new SessionWindow(0)).toThrow(RangeError);
  });

  it('a refused session while others work caps the window at those that work', () => {
    const w = new SessionWindow(20, 20);
    w.refused(7);
    expect(w.allowed).toBe(7);
    w.refused(9); // never grows on a refusal
    expect(w.allowed).toBe(7);
  });

  it('a refusal with no session open is an outage: the window stays', () => {
    const w = new SessionWindow(20, 8);
    w.refused(0);
    expect(w.allowed).toBe(8);
  });

  it('a 421 on a working session takes one session away, down to one', () => {
    const w = new SessionWindow(20, 3);
    w.throttled();
    expect(w.allowed).toBe(2);
    w.throttled();
    w.throttled();
    expect(w.allowed).toBe(1);
  });
});
