import { describe, expect, it } from 'vitest';
import { newSesMessageId, SES_MESSAGE_ID_PATTERN } from '../../../../local/ses-standin/message-id.js';

describe('newSesMessageId', () => {
  it('has the shape of an SES receiving id', () => {
    for (let i = 0; i < 50; i++) expect(newSesMessageId()).toMatch(SES_MESSAGE_ID_PATTERN);
  });

  it('uses every bit of its randomness (all-ones bytes give all "v")', () => {
    expect(newSesMessageId((size) => Buffer.alloc(size, 0xff))).toBe('v'.repeat(40));
    expect(newSesMessageId((size) => Buffer.alloc(size, 0))).toBe('0'.repeat(40));
  });

  it('does not repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newSesMessageId()));
    expect(ids.size).toBe(1000);
  });
});
