// Reads a message's header block from a stream without buffering the body:
// returns the head bytes and a stream that replays head + rest unchanged,
// byte for byte (8-bit, bare LF and long lines included).
import { Readable } from 'node:stream';

export const DEFAULT_MAX_HEAD_BYTES = 512 * 1024;

export interface MessageHead {
  /** The header block, through the blank line that ends it (or the first maxHeadBytes). */
  head: Buffer;
  /** False when no blank line was found within maxHeadBytes (or the message has no body). */
  complete: boolean;
  /** Number of `Received:` header fields in the head. */
  receivedCount: number;
  /** The line ending the head uses: '\r\n' unless it only has bare LFs. */
  newline: '\r\n' | '\n';
  /** The whole message again, head first; read it once. */
  body: Readable;
}

/** Offset just past the blank line ending the head, or -1. */
function endOfHead(buffer: Buffer, from: number): number {
  if (from === 0) {
    if (buffer[0] === 0x0a) return 1;
    if (buffer[0] === 0x0d && buffer[1] === 0x0a) return 2;
  }
  for (let i = Math.max(from, 0); i < buffer.length; i++) {
    if (buffer[i] !== 0x0a) continue;
    if (buffer[i + 1] === 0x0a) return i + 2;
    if (buffer[i + 1] === 0x0d && buffer[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

export function countReceived(head: string): number {
  return head.match(/^Received[ \t]*:/gim)?.length ?? 0;
}

export async function readMessageHead(source: Readable, maxHeadBytes = DEFAULT_MAX_HEAD_BYTES): Promise<MessageHead> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const chunks: Buffer[] = [];
  let seen = Buffer.alloc(0);
  let end = -1;
  let done = false;
  try {
    while (end < 0 && seen.length < maxHeadBytes) {
      const next = await iterator.next();
      if (next.done) {
        done = true;
        break;
      }
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
      chunks.push(chunk);
      const searchFrom = Math.max(0, seen.length - 2);
      seen = Buffer.concat([seen, chunk]);
      end = endOfHead(seen, seen.length === chunk.length ? 0 : searchFrom);
    }
  } catch (error) {
    await iterator.return?.();
    throw error;
  }
  const complete = end >= 0 && end <= maxHeadBytes;
  const head = seen.subarray(0, complete ? end : Math.min(seen.length, maxHeadBytes));
  const text = head.toString('latin1');
  const replayed = Buffer.concat(chunks);
  let finished = done;
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      if (replayed.length > 0) yield replayed;
      while (!finished) {
        const next = await iterator.next();
        if (next.done) finished = true;
        else yield Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
      }
    } finally {
      if (!finished) await iterator.return?.(); // consumer stopped early: release the source
    }
  }
  const body = Readable.from(replay(), { objectMode: false });
  // Destroyed before it was read to the end (even before it started): release the source too.
  body.once('close', () => {
    if (!finished) source.destroy();
  });
  return {
    head,
    complete,
    receivedCount: countReceived(text),
    newline: /\r\n/.test(text) || !/\n/.test(text) ? '\r\n' : '\n',
    body,
  };
}

/** A stream of `prefix` followed by `rest`. */
export function prependToStream(prefix: Buffer | string, rest: Readable): Readable {
  const first = Buffer.isBuffer(prefix) ? prefix : Buffer.from(prefix, 'utf8');
  let finished = false;
  async function* joined(): AsyncGenerator<Buffer> {
    yield first;
    for await (const chunk of rest) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    finished = true;
  }
  const joinedStream = Readable.from(joined(), { objectMode: false });
  // A transport that gives up before reading (or midway) must not leave the source open.
  joinedStream.once('close', () => {
    if (!finished) rest.destroy();
  });
  return joinedStream;
}
