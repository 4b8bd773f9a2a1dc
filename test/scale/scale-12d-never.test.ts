// Opt-in (SCALE_ALL=1): 100k messages, 12-day lifetime, the primary never back: expiry meets the re-enqueue age.
import { describe, it } from 'vitest';
import { scaleTest } from '../support/scale/scale-test.js';

if (process.env.SCALE_ALL) scaleTest({ name: '12-day lifetime, primary never back', lifetimeDays: 12, maxDays: 15 }, 3);
else describe('no loss at scale: 12-day lifetime, primary never back', () => it.skip('set SCALE_ALL=1 to run', () => {}));
