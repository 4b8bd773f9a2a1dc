// 100k messages, 30-day lifetime, the primary back at day 13: every entry re-enqueued before SQS's 14 days (see test/support/scale/scale-test.ts).
import { scaleTest } from '../support/scale/scale-test.js';

scaleTest({ name: '30-day lifetime, primary back at day 13', lifetimeDays: 30, primaryBackAtDays: 13, maxDays: 18 }, 2);
