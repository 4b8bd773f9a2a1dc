// 100k messages, 12-day lifetime, the primary never back (see test/support/scale/scale-test.ts):
// expiry meets the re-enqueue age, so the sweep re-enqueues entries before SQS's 14 days and
// expires every pair with a notice, losing none. About 25 s on one core (measured).
import { expect } from 'vitest';
import { scaleTest } from '../support/scale/scale-test.js';

scaleTest({ name: '12-day lifetime, primary never back', lifetimeDays: 12, maxDays: 15 }, 3, (f) => {
  expect(f.outcomes.expired).toBe(f.pairs); // nothing delivered, nothing left
  expect(f.reenqueued).toBeGreaterThan(0); // the sweep's copies before SQS's 14-day retention
});
