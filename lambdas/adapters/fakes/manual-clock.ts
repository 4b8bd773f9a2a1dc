// A clock that only moves when a test moves it. `sleep` advances it too, so
// loops that wait (the probe's inner schedule) run instantly in tests.
import type { Clock } from '../../core/runtime/ports.js';

export class ManualClock implements Clock {
  private current: Date;

  constructor(start: Date | string = '2026-01-05T10:00:00.000Z') {
    this.current = new Date(start);
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }

  set(at: Date | string): void {
    this.current = new Date(at);
  }

  /** Stands in for a timer: moves time forward instead of waiting. */
  sleep = async (ms: number): Promise<void> => {
    this.advance(ms / 1000);
  };
}
