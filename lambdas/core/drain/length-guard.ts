// The object's length, as the store reported it, guards the final dot: a body
// that ends early (a truncated read) or runs long fails the stream before its
// end reaches the SMTP transport, so the transport never sends the final dot
// and the primary keeps nothing (it would otherwise accept a cut message).
import { Readable } from 'node:stream';

export class LengthMismatchError extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`the stored object held ${actual} bytes${actual > expected ? ' or more' : ''}, not the ${expected} its store reported: not sent`);
    this.name = 'LengthMismatchError';
  }
}

/** `source` unchanged, failing with LengthMismatchError unless it holds exactly `expected` bytes. */
export function guardLength(source: Readable, expected: number): Readable {
  let seen = 0;
  let finished = false;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      seen += bytes.length;
      if (seen > expected) throw new LengthMismatchError(expected, seen);
      yield bytes;
    }
    if (seen !== expected) throw new LengthMismatchError(expected, seen);
    finished = true;
  }
  const guarded = Readable.from(counted(), { objectMode: false });
  guarded.once('close', () => {
    if (!finished) source.destroy(); // a transport that stops reading must not leave the S3 body open
  });
  return guarded;
}
