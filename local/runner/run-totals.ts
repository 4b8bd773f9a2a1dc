// What the runner says when it stops ("this run: 3 delivered, 1 dead-lettered;
// longest hold 12 s"): the drains' own summaries added up, so the words and
// numbers are the ones the drain lines and `backup-mx flush` print.
import type { DrainSummary } from '../../lambdas/core/drain/drain-summary.js';

/** Recipient counts of a drain summary, in the order and words lines use. */
export const COUNT_WORDS: [keyof DrainSummary, string][] = [
  ['delivered', 'delivered'],
  ['deferred', 'deferred'],
  ['bounced', 'bounced'],
  ['deadLettered', 'dead-lettered'],
  ['expired', 'expired'],
  ['reenqueued', 're-enqueued'],
  ['errors', 'errors'],
];

/** "2 delivered, 1 dead-lettered" for the counts that are not 0 ('' when all are). */
export function describeCounts(counts: Partial<Record<keyof DrainSummary, unknown>>): string {
  return COUNT_WORDS.filter(([key]) => Number(counts[key] ?? 0) > 0)
    .map(([key, word]) => `${Number(counts[key])} ${word}`)
    .join(', ');
}

export class RunTotals {
  private readonly totals: Partial<Record<keyof DrainSummary, number>> = {};
  private longestHoldSeconds = 0;

  add(summary: DrainSummary): void {
    for (const [key] of COUNT_WORDS) this.totals[key] = (this.totals[key] ?? 0) + Number(summary[key] ?? 0);
  }

  /** A delivered message's time in the queue (the engine's delay metric). */
  hold(seconds: number): void {
    this.longestHoldSeconds = Math.max(this.longestHoldSeconds, seconds);
  }

  describe(): string | undefined {
    const counts = describeCounts(this.totals);
    if (!counts) return undefined;
    return `${counts}${this.longestHoldSeconds > 0 ? `; longest hold ${this.longestHoldSeconds} s` : ''}`;
  }
}
