import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { guardLength, LengthMismatchError } from '../../../../lambdas/core/drain/length-guard.js';
import { harness } from '../../../support/world/engine-harness.js';

async function read(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('guardLength', () => {
  it('passes exactly the expected bytes through unchanged', async () => {
    expect((await read(guardLength(Readable.from([Buffer.from('abc'), Buffer.from('de')]), 5))).toString()).toBe('abcde');
  });

  it('fails a body that ends early or runs long, before its end', async () => {
    await expect(read(guardLength(Readable.from([Buffer.from('abc')]), 5))).rejects.toBeInstanceOf(LengthMismatchError);
    await expect(read(guardLength(Readable.from([Buffer.from('abcdef')]), 5))).rejects.toThrow(/6 bytes or more, not the 5/);
  });

  it('in the drain: a truncated object is not delivered and the message is deferred, not bounced', async () => {
    const h = harness();
    const { messageId, key } = await h.arrive();
    const open = h.store.open.bind(h.store);
    h.store.open = async (k) => ({ ...(await open(k)), size: h.store.objects.get(key)!.length + 100 }); // the store said more than came
    const summary = await h.runDrain();
    expect(summary).toMatchObject({ delivered: 0, deferred: 1, stoppedBecause: 'queue-empty' });
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('deferred');
    expect(h.transports.transactions[0]!.result.replies[0]!.reply.errorCode).toBe('ESTREAM');
    expect(h.queue.all()).toHaveLength(1);
  });
});
