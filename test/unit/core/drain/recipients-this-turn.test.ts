// Which of a message's pending recipients one turn tries: the whole list when
// it fits in one turn, else the rest of an unfinished pass first and alone.
import { describe, expect, it } from 'vitest';
import { recipientsThisTurn } from '../../../../lambdas/core/drain/recipient-batches.js';
import { harness } from '../../../support/world/engine-harness.js';

const row = (recipient: string, attempts: number) => [recipient, { recipient, state: 'deferred' as const, attempts, updatedAt: new Date(0) }] as const;
/** A list longer than one turn takes (the pass rule applies). */
const long = { listSize: 200, perTurn: 100 };

describe('recipientsThisTurn', () => {
  it('gives the rest of an unfinished pass first and alone, else every pending recipient', () => {
    expect(recipientsThisTurn(['a', 'b', 'c'], new Map(), long)).toEqual(['a', 'b', 'c']);
    expect(recipientsThisTurn(['a', 'b', 'c'], new Map([row('a', 1)]), long)).toEqual(['b', 'c']);
    expect(recipientsThisTurn(['a', 'b', 'c'], new Map([row('a', 2), row('b', 2), row('c', 2)]), long)).toEqual(['a', 'b', 'c']);
    expect(recipientsThisTurn(['a', 'b'], new Map([row('a', 3), row('b', 2)]), long)).toEqual(['b']);
  });

  it('tries a list that fits in one turn whole, however its counts differ (up to exactly one turn)', () => {
    const uneven = new Map([row('a', 3), row('b', 0)]);
    expect(recipientsThisTurn(['a', 'b', 'c'], uneven, { listSize: 3, perTurn: 100 })).toEqual(['a', 'b', 'c']);
    expect(recipientsThisTurn(['a', 'b', 'c'], uneven, { listSize: 100, perTurn: 100 })).toEqual(['a', 'b', 'c']);
    expect(recipientsThisTurn(['a', 'b', 'c'], uneven, { listSize: 101, perTurn: 100 })).toEqual(['b', 'c']);
  });

  it('the drain sends a short list whose counts differ (a requeue reset one recipient) in one transaction to all', async () => {
    const h = harness();
    const { messageId } = await h.arrive({ recipients: ['a@example.com', 'b@example.com', 'c@example.com'] });
    // Three recipients fit in one turn (10 × 10). a was tried twice before; b and c were reset to no attempts.
    await h.ledger.record(messageId, { recipient: 'a@example.com', state: 'deferred', attempts: 2, updatedAt: h.clock.now(), reply: { code: 451, text: 'later' } });
    await h.runDrain();
    expect(h.transports.envelopes.map((e) => [...e.to].sort())).toEqual([['a@example.com', 'b@example.com', 'c@example.com']]);
    for (const r of ['a@example.com', 'b@example.com', 'c@example.com']) expect(h.ledger.stateOf(messageId, r)).toBe('delivered');
  });
});
