// 100k messages, 12-day lifetime, the primary back at day 3 (see test/support/scale/scale-test.ts).
import { scaleTest } from '../support/scale/scale-test.js';

scaleTest({ name: '12-day lifetime, primary back at day 3', lifetimeDays: 12, primaryBackAtDays: 3, maxDays: 8 }, 0);
