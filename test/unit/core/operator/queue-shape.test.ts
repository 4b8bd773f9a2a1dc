import { describe, expect, it } from 'vitest';
import { bucketOf, domainOf, queueShape, SHAPE_BUCKETS } from '../../../../lambdas/core/operator/queue-shape.js';
import type { SelectedMessage } from '../../../../lambdas/core/operator/select-messages.js';
import type { RecipientState } from '../../../../lambdas/core/model.js';

const NOW = new Date('2026-12-07T12:00:00.000Z');
const MIN = 60_000;
const agoMs = (ms: number) => new Date(NOW.getTime() - ms);

let n = 0;
function message(sender: string, ageMs: number, recipients: string[] = ['bob@example.com'], states?: RecipientState[]): SelectedMessage {
  const id = `m${++n}`;
  const receivedAt = agoMs(ageMs);
  const m: SelectedMessage = { id, route: 'main', state: 'queued', receivedAt, sender, recipients, objectKey: `mail/${id}`, deadLetters: [] };
  if (states) {
    m.queued = {
      summary: { messageId: id, route: 'main', receivedAt, sender, recipients } as never,
      recipients: recipients.map((address, i) => ({ address, state: states[i]!, attempts: 0 })),
    };
  }
  return m;
}

describe('queue shape buckets (as qshape: a bucket holds its lower edge, not its upper)', () => {
  it('has qshape\'s ten geometric buckets, the last open', () => {
    expect(SHAPE_BUCKETS.map((b) => b.label)).toEqual(['0-5m', '5-10m', '10-20m', '20-40m', '40-80m', '80-160m', '160-320m', '320-640m', '640-1280m', '1280m+']);
  });

  it('puts an age exactly on an edge in the bucket above it, and a millisecond less in the one below', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(5 * MIN - 1)).toBe(0);
    expect(bucketOf(5 * MIN)).toBe(1);
    expect(bucketOf(10 * MIN - 1)).toBe(1);
    expect(bucketOf(10 * MIN)).toBe(2);
    expect(bucketOf(640 * MIN)).toBe(8);
    expect(bucketOf(1280 * MIN - 1)).toBe(8);
    expect(bucketOf(1280 * MIN)).toBe(9);
    expect(bucketOf(30 * 24 * 60 * MIN)).toBe(9);
  });

  it('counts a receive time in the future (a skewed clock) as new', () => {
    expect(bucketOf(-3 * MIN)).toBe(0);
  });
});

describe('domainOf', () => {
  it('names a row by the lower-case domain, without a trailing dot, and <> as MAILER-DAEMON', () => {
    expect(domainOf('Alice@Example.ORG')).toBe('example.org');
    expect(domainOf('alice@example.org.')).toBe('example.org');
    expect(domainOf('')).toBe('MAILER-DAEMON');
  });
});

describe('queueShape', () => {
  it('counts messages per sender domain and bucket, with row totals and a TOTAL row', () => {
    const shape = queueShape(
      [message('a@spam.example', 5 * MIN), message('b@spam.example', 2 * MIN), message('c@Spam.Example', 700 * MIN), message('', 0), message('x@ok.example', 1300 * MIN)],
      NOW,
    );
    expect(shape.unit).toBe('messages');
    expect(shape.rows.map((r) => [r.name, r.total])).toEqual([
      ['spam.example', 3],
      ['MAILER-DAEMON', 1],
      ['ok.example', 1],
    ]);
    expect(shape.rows[0]!.counts).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 1, 0]);
    expect(shape.rows[2]!.counts).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(shape.total).toEqual({ name: 'TOTAL', total: 5, counts: [2, 1, 0, 0, 0, 0, 0, 0, 1, 1] });
    expect(shape.other).toBeUndefined();
  });

  it('sorts by total, most first, ties by name', () => {
    const shape = queueShape([message('a@b.example', 0), message('a@a.example', 0), message('a@c.example', 0), message('z@c.example', 0)], NOW);
    expect(shape.rows.map((r) => r.name)).toEqual(['c.example', 'a.example', 'b.example']);
  });

  it('keeps the top N rows and sums the rest into "other domains"', () => {
    const messages = [message('a@big.example', 0), message('b@big.example', 20 * MIN), message('c@mid.example', 0), message('d@s1.example', 0), message('e@s2.example', 90 * MIN)];
    const shape = queueShape(messages, NOW, 'sender', 2);
    expect(shape.rows.map((r) => r.name)).toEqual(['big.example', 'mid.example']);
    expect(shape.other).toEqual({ name: 'other domains', domains: 2, total: 2, counts: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0] });
    expect(shape.total.total).toBe(5);
  });

  it('counts each waiting recipient in a recipient shape, not the delivered ones', () => {
    const shape = queueShape(
      [
        message('a@s.example', 0, ['x@one.example', 'y@one.example', 'z@two.example'], ['deferred', 'delivered', 'queued']),
        message('b@s.example', 0, ['w@one.example', 'v@two.example']),
      ],
      NOW,
      'recipient',
    );
    expect(shape.unit).toBe('recipients');
    expect(shape.rows.map((r) => [r.name, r.total])).toEqual([
      ['one.example', 2],
      ['two.example', 2],
    ]);
    expect(shape.total.total).toBe(4);
  });

  it('counts a message with no receive time in no bucket, and says how many', () => {
    const undated = message('a@x.example', 0);
    delete undated.receivedAt;
    const shape = queueShape([undated, message('b@x.example', 0)], NOW);
    expect(shape.undated).toBe(1);
    expect(shape.total.total).toBe(1);
  });

  it('is empty for no message', () => {
    const shape = queueShape([], NOW, 'recipient');
    expect(shape.rows).toEqual([]);
    expect(shape.total.total).toBe(0);
  });
});
