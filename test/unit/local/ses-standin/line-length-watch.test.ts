// The DATA-stream line check of the SES stand-in: a line and its CRLF may be
// split anywhere across chunks, and only the octets before CRLF count.
import { describe, expect, it } from 'vitest';
import { LineLengthWatch } from '../../../../local/ses-standin/smtp-limits.js';

const watch = (chunks: string[], max = 5) => {
  const w = new LineLengthWatch(max);
  for (const chunk of chunks) w.push(Buffer.from(chunk, 'latin1'));
  return w.exceeded;
};

describe('LineLengthWatch', () => {
  it('counts a line without its CRLF, wherever the chunks split it', () => {
    expect(watch(['12345\r\n'])).toBe(false);
    expect(watch(['123', '45\r', '\n'])).toBe(false);
    expect(watch(['12345\r', '\n67'])).toBe(false);
    expect(watch(['123456\r\n'])).toBe(true);
    expect(watch(['123', '4', '56', '\r\n'])).toBe(true);
  });

  it('counts a bare LF line end and a last line without one', () => {
    expect(watch(['12345\n12345'])).toBe(false);
    expect(watch(['1\n123456'])).toBe(true);
    expect(watch(['12345\r'])).toBe(false); // the CR of a CRLF still to come
  });

  it('remembers a long line after shorter ones', () => {
    expect(watch(['1\r\n', '1234567\r\n', '1\r\n'])).toBe(true);
  });
});
