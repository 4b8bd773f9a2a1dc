// The drain against SQS behaviours the queue fake models: a short poll that
// answers empty while mail waits (only a receive that waits asks every
// server), and a message handed to a second receiver while the first still
// works on it (whose delete, with the older handle, then deletes nothing).
import { describe, expect, it } from 'vitest';
import { harness } from '../../../support/world/engine-harness.js';

describe('the drain and SQS', () => {
  it('receives with a wait: a short poll that samples none of the messages must not end the drain', async () => {
    const h = harness();
    h.queue.shortPollMissRate = 1; // every short poll misses: the worst SQS sample
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await h.arrive({ messageId: `m${i}` })).messageId);

    const summary = await h.runDrain();

    expect(summary).toMatchObject({ delivered: 3, stoppedBecause: 'queue-empty' });
    for (const id of ids) expect(h.ledger.stateOf(id, 'bob@example.com')).toBe('delivered');
    expect(h.queue.all()).toEqual([]);
  });

  it('a message received again while its first delivery runs is delivered once, and its entry is not lost to the stale delete', async () => {
    const h = harness();
    const { messageId, body } = await h.arrive();
    const open = h.transports.open.bind(h.transports);
    let secondReceiver: Awaited<ReturnType<typeof h.queue.receive>> = [];
    h.transports.open = async (primary) => {
      const transport = await open(primary);
      return {
        ...transport,
        send: async (envelope, content) => {
          const result = await transport.send(envelope, content);
          // A slow primary: the visibility timeout (300 s) runs out and another receiver takes the message.
          h.clock.advance(301);
          secondReceiver = await h.queue.receive(10, 1);
          return result;
        },
      };
    };

    await h.runDrain();

    expect(secondReceiver).toMatchObject([{ body, receiveCount: 2 }]);
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('delivered');
    expect(h.queue.staleDeletes).toBe(1); // the first drain's delete used the older handle
    expect(h.queue.all()).toHaveLength(1); // still there, in the second receiver's hands

    // The second receiver never finishes; once its timeout runs out the next drain finds bob delivered and only finishes the entry.
    h.clock.advance(301);
    h.transports.open = open;
    await h.runDrain(600, 'drain-2');
    expect(h.transports.transactions).toHaveLength(1);
    expect(h.queue.all()).toEqual([]);
  });
});
