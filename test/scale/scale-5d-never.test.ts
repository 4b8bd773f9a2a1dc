// 100k messages, 5-day lifetime, the primary never back: all expire with a notice (see test/support/scale/scale-test.ts).
import { scaleTest } from '../support/scale/scale-test.js';

scaleTest({ name: '5-day lifetime, primary never back', lifetimeDays: 5, maxDays: 8 }, 1);
