// The end of a drain's budget for a transaction already started: its final
// dot goes out within FINAL_DOT_GRACE_SECONDS of the deadline or not at all,
// so the Lambda's reserve (one SMTP reply wait and the records after it)
// always covers a dot that went out.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../lambdas/adapters/fakes/index.js';
import { FINAL_DOT_GRACE_SECONDS, FinalDotTooLateError, guardFinalDot } from '../../../../lambdas/core/drain/final-dot-guard.js';
import type { MessageContent } from '../../../../lambdas/core/drain/ports.js';
import { harness } from '../../../support/world/engine-harness.js';

async function read(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Two chunks; the clock moves `seconds` between them (a slow body). */
function slowBody(clock: ManualClock, seconds: number): Readable {
  return Readable.from(
    (async function* () {
      yield Buffer.from('abc');
      clock.advance(seconds);
      yield Buffer.from('de');
    })(),
  );
}

describe('guardFinalDot', () => {
  it('passes the bytes through unchanged when the end comes by the last moment for the dot', async () => {
    const clock = new ManualClock();
    const lastDotAt = clock.now().getTime() + 10_000;
    expect((await read(guardFinalDot(slowBody(clock, 10), lastDotAt, clock))).toString()).toBe('abcde');
  });

  it('fails instead of ending when the end comes later: the transport sends no final dot', async () => {
    const clock = new ManualClock();
    const lastDotAt = clock.now().getTime() + 10_000;
    await expect(read(guardFinalDot(slowBody(clock, 11), lastDotAt, clock))).rejects.toBeInstanceOf(FinalDotTooLateError);
  });
});

describe('the drain at the end of its budget', () => {
  /** A drain of one message whose transaction starts 1 s before the deadline and spends `seconds` before its end. */
  async function startedBeforeDeadline(seconds: number) {
    const h = harness({ concurrency: 1 });
    const { messageId } = await h.arrive();
    const budget = 100;
    const open = h.transports.open.bind(h.transports);
    h.transports.open = async (primary) => {
      const transport = await open(primary);
      return {
        ...transport,
        send: async (envelope, content: MessageContent) => {
          h.clock.advance(budget - 1); // the session came free just before the deadline
          if (typeof content !== 'function') throw new Error('the drain passes its content to open when a session is free');
          return transport.send(envelope, async () => {
            const opened = await content();
            h.clock.advance(seconds); // MAIL, RCPT, DATA and the body took this long
            return opened;
          });
        },
      };
    };
    const summary = await h.runDrain(budget);
    return { h, messageId, summary };
  }

  it('a transaction started before the deadline still sends its dot within the grace', async () => {
    const { h, messageId, summary } = await startedBeforeDeadline(FINAL_DOT_GRACE_SECONDS);
    expect(summary.delivered).toBe(1);
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('delivered');
  });

  it('one whose dot would go out later is abandoned before the dot: not delivered, deferred for the next drain', async () => {
    const { h, messageId, summary } = await startedBeforeDeadline(FINAL_DOT_GRACE_SECONDS + 2);
    expect(summary.delivered).toBe(0);
    expect(h.transports.transactions[0]!.result.replies[0]!.reply).toMatchObject({ errorCode: 'ESTREAM', text: expect.stringMatching(/time was up/) });
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('deferred');
    expect(h.queue.all()).toHaveLength(1);
  });
});
