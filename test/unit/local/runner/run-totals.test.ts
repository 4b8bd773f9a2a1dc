import { describe, expect, it } from 'vitest';
import { emptySummary } from '../../../../lambdas/core/drain/drain-summary.js';
import { describeCounts, RunTotals } from '../../../../local/runner/run-totals.js';

describe('the runner\'s totals at stop', () => {
  it('adds the drains\' summaries up in the words the drain lines and flush use', () => {
    const totals = new RunTotals();
    expect(totals.describe()).toBeUndefined();
    totals.add({ ...emptySummary('main', 'deliver'), delivered: 2, deadLettered: 1 });
    totals.add({ ...emptySummary('other', 'deliver'), delivered: 1, deferred: 2 });
    totals.hold(12);
    expect(totals.describe()).toBe('3 delivered, 2 deferred, 1 dead-lettered; longest hold 12 s');
    expect(describeCounts({ bounced: 0, expired: 4 })).toBe('4 expired');
  });
});
