import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { countReceived, prependToStream, readMessageHead } from '../../../../lambdas/core/message/message-head.js';

function chunked(bytes: Buffer, size: number): Readable {
  function* parts() {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }
  return Readable.from(parts(), { objectMode: false });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const head = 'Received: from a by b; Mon, 05 Jan 2026 10:00:00 +0000\r\nreceived : from c\r\n by d\r\nSubject: Grüße\r\nX-Received: not counted\r\n\r\n';
const body = Buffer.concat([
  Buffer.from('line one\r\nbare LF line\nlatin1 byte: '),
  Buffer.from([0xe9, 0xff, 0x00, 0x80]),
  Buffer.from(`\r\n${'x'.repeat(5000)}\r\n.\r\n..dot\r\n`),
]);
const message = Buffer.concat([Buffer.from(head, 'utf8'), body]);

describe('readMessageHead', () => {
  it.each([1, 2, 3, 7, 64, 100_000])('finds the head and replays every byte unchanged (chunks of %i)', async (size) => {
    const result = await readMessageHead(chunked(message, size));
    expect(result.complete).toBe(true);
    expect(result.head.toString('utf8')).toBe(head);
    expect(result.receivedCount).toBe(2);
    expect(result.newline).toBe('\r\n');
    expect((await readAll(result.body)).equals(message)).toBe(true);
  });

  it('handles heads ended by a bare LF blank line', async () => {
    const bare = Buffer.from('Received: x\nSubject: y\n\nbody\n');
    const result = await readMessageHead(chunked(bare, 5));
    expect(result.head.toString()).toBe('Received: x\nSubject: y\n\n');
    expect(result.newline).toBe('\n');
    expect((await readAll(result.body)).equals(bare)).toBe(true);
  });

  it('does not read the whole body before returning the head', async () => {
    let pulled = 0;
    const big = Buffer.concat([Buffer.from('Subject: big\r\n\r\n'), Buffer.alloc(1024 * 1024, 0x61)]);
    function* parts() {
      for (let i = 0; i < big.length; i += 1024) {
        pulled += 1;
        yield big.subarray(i, i + 1024);
      }
    }
    const result = await readMessageHead(Readable.from(parts(), { objectMode: false }));
    expect(pulled).toBeLessThan(40); // a few chunks of read-ahead, not 1025
    expect((await readAll(result.body)).length).toBe(big.length);
  });

  it('caps the head and reports it incomplete', async () => {
    const noBlank = Buffer.from(`Received: a\r\n${'X-Long: '.padEnd(3000, 'z')}\r\n`);
    const result = await readMessageHead(chunked(noBlank, 100), 1000);
    expect(result.complete).toBe(false);
    expect(result.head.length).toBe(1000);
    expect(result.receivedCount).toBe(1);
    expect((await readAll(result.body)).equals(noBlank)).toBe(true);
  });

  it('works for a message with no body and no blank line', async () => {
    const only = Buffer.from('Subject: x\r\n');
    const result = await readMessageHead(chunked(only, 4));
    expect(result.complete).toBe(false);
    expect((await readAll(result.body)).equals(only)).toBe(true);
  });

  it('counts many Received headers (loop guard input)', async () => {
    const many = Buffer.from(`${'Received: from x by y; date\r\n'.repeat(51)}Subject: loop\r\n\r\nbody`);
    expect((await readMessageHead(chunked(many, 50))).receivedCount).toBe(51);
    expect(countReceived('Subject: Received: no\r\nX-Received: no\r\n')).toBe(0);
  });

  it('releases the source when the replay is abandoned before reading', async () => {
    const source = chunked(message, 10);
    const result = await readMessageHead(source);
    result.body.destroy();
    await new Promise((r) => setImmediate(r));
    expect(source.destroyed).toBe(true);
  });

  it('passes a source error on', async () => {
    const failing = new Readable({ read() { this.destroy(new Error('S3 reset')); } });
    await expect(readMessageHead(failing)).rejects.toThrow('S3 reset');
  });
});

describe('prependToStream', () => {
  it('puts the prefix in front and releases the rest when abandoned', async () => {
    const rest = chunked(Buffer.from('abc'), 1);
    expect((await readAll(prependToStream('X: 1\r\n', rest))).toString()).toBe('X: 1\r\nabc');
    const untouched = chunked(Buffer.from('abc'), 1);
    const joined = prependToStream('X', untouched);
    joined.destroy();
    await new Promise((r) => setImmediate(r));
    expect(untouched.destroyed).toBe(true);
  });
});
