import { describe, expect, it } from 'vitest';
import { copyKeyOf } from '../../../../lambdas/core/message/message-copy.js';

describe('copyKeyOf', () => {
  it('is the same for the same recipients whatever their order or repeats (an SNS retry of one copy)', () => {
    expect(copyKeyOf(['b@example.com', 'a@example.com'])).toBe(copyKeyOf(['a@example.com', 'b@example.com', 'a@example.com']));
  });

  it('differs for another rule\'s copy (other recipients), and is short and safe in a sort key', () => {
    const a = copyKeyOf(['a1@example.com']);
    const b = copyKeyOf(['b1@example.com']);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{12}$/); // no '#', the sort keys' separator
    expect(copyKeyOf(['a1@example.com', 'b1@example.com'])).not.toBe(a);
  });

  it('gives 100,000 one-recipient copies 100,000 different keys', () => {
    const keys = new Set(Array.from({ length: 100_000 }, (_, i) => copyKeyOf([`user${i}@example.com`])));
    expect(keys.size).toBe(100_000);
  });
});
