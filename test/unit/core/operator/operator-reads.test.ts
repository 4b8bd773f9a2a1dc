// What the operator's commands print, read through the operator on fakes:
// mailq's queue (copies merged, oldest first, each recipient's state from the
// ledger), the ids a prefix names, a message's stored bytes, the clock.
import { describe, expect, it } from 'vitest';
import { MessageMissingError } from '../../../../lambdas/core/message/ports.js';
import { operatorWorld } from '../../../support/world/operator-world.js';

describe('operator reads', () => {
  it('queuedMessages: one entry per message (its copies merged), oldest first, each envelope recipient with its ledger state', async () => {
    const { h, operator } = operatorWorld();
    const now = h.clock.now();
    const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
    for (const [copy, recipient] of [['c1', 'a@example.com'], ['c2', 'b@example.com']] as const) {
      await h.index.add({ messageId: 'newer', route: 'main', sender: 's@x.example', recipients: [recipient], receivedAt: minutesAgo(1), state: 'queued', copy });
    }
    await h.index.add({ messageId: 'older', route: 'main', sender: 's@x.example', recipients: ['c@example.com'], receivedAt: minutesAgo(5), state: 'queued', copy: 'c3' });
    await h.index.add({ messageId: 'elsewhere', route: 'other', sender: 's@x.example', recipients: ['d@example.com'], receivedAt: minutesAgo(9), state: 'queued', copy: 'c4' });
    await h.ledger.record('newer', { recipient: 'b@example.com', state: 'deferred', attempts: 2, updatedAt: now, reply: { code: 451, text: '451 later' } });

    const queued = await operator.queuedMessages(['main']);
    expect(queued.map((q) => q.summary.messageId)).toEqual(['older', 'newer']);
    expect(queued[1]!.recipients).toEqual([
      expect.objectContaining({ address: 'a@example.com', state: 'queued', attempts: 0 }),
      expect.objectContaining({ address: 'b@example.com', state: 'deferred', attempts: 2 }),
    ]);
    expect((await operator.queuedMessages(['main', 'other'])).map((q) => q.summary.messageId)).toEqual(['elsewhere', 'older', 'newer']);
    expect((await operator.listQueued('other')).map((s) => s.messageId)).toEqual(['elsewhere']);
  });

  it('idsStartingWith: an exact id as it is, else every queued or dead-lettered id the prefix starts (case-insensitive, sorted)', async () => {
    const { h, operator, deadLettered } = operatorWorld();
    await h.index.add({ messageId: 'abcd1111', route: 'main', sender: 's@x.example', recipients: ['a@example.com'], receivedAt: h.clock.now(), state: 'queued', copy: 'c1' });
    await deadLettered({ messageId: 'ABCD0000' });
    await deadLettered({ messageId: 'abce2222' });
    await deadLettered({ messageId: 'abcd11119' });

    expect(await operator.idsStartingWith('abcd')).toEqual(['ABCD0000', 'abcd1111', 'abcd11119']);
    expect(await operator.idsStartingWith('ABCE')).toEqual(['abce2222']);
    // An id that exists names that message, though a longer one starts with it.
    expect(await operator.idsStartingWith('abcd1111')).toEqual(['abcd1111']);
    expect(await operator.idsStartingWith('ffff')).toEqual([]);
  });

  it('rawMessage: the stored object byte for byte, MessageMissingError once it is gone; now() is the engine\'s clock', async () => {
    const { h, operator, deadLettered } = operatorWorld();
    const key = (await deadLettered({ messageId: 'rawone' })).objectKey!;
    const chunks: Buffer[] = [];
    for await (const chunk of await operator.rawMessage(key)) chunks.push(Buffer.from(chunk as Buffer));
    expect(Buffer.concat(chunks).toString('utf8')).toBe('Subject: rawone\r\n\r\nbody\r\n');
    h.store.objects.delete(key);
    await expect(operator.rawMessage(key)).rejects.toBeInstanceOf(MessageMissingError);

    h.clock.advance(90);
    expect(operator.now()).toEqual(h.clock.now());
  });
});
