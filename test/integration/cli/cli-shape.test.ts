// `mailq --shape` against a real local backup MX (emulated S3, SQS, DynamoDB):
// the qshape table of what the filters select, by sender or recipient domain,
// aligned as qshape aligns it, and as JSON.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { QueueShape } from '../../../lambdas/core/operator/queue-shape.js';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

describe('backup-mx mailq --shape', () => {
  let fx: LocalFixture;

  beforeAll(async () => {
    fx = await startLocalFixture();
  });
  afterAll(async () => {
    await fx?.stop();
  });
  beforeEach(async () => {
    await fx.reset();
    await fx.emptyRecords();
  });

  /** Three from spam.example (young, 30 minutes, 2 days), one bounce (<>), one from a friend to two recipients of two routes. */
  async function backlog() {
    await fx.queue({ recipients: ['bob@example.com'], sender: 'a@spam.example', receivedAt: minutesAgo(1) });
    await fx.queue({ recipients: ['bob@example.com', 'carol@example.com'], sender: 'b@Spam.Example', receivedAt: minutesAgo(30) });
    await fx.queue({ recipients: ['carol@example.com'], sender: 'c@spam.example', receivedAt: minutesAgo(2 * 24 * 60) });
    await fx.queue({ recipients: ['bob@example.com'], sender: '', receivedAt: minutesAgo(7) });
    await fx.queue({ recipients: ['dan@example.com', 'erin@example.net'], sender: 'ann@friend.example', receivedAt: minutesAgo(100) });
  }

  it('prints the sender shape like qshape: headings, TOTAL first, domains by total, right-aligned', async () => {
    await backlog();
    const { code, io } = await fx.cli('mailq', '--shape');
    expect(code).toBe(0);
    expect(io.stdout.slice(0, 5)).toEqual([
      '               T 5 10 20 40 80 160 320 640 1280 1280+',
      '         TOTAL 6 1  1  0  1  0   2   0   0    0     1',
      '  spam.example 3 1  0  0  1  0   0   0   0    0     1',
      // One message on two routes is two entries, as mailq lists it.
      'friend.example 2 0  0  0  0  0   2   0   0    0     0',
      ' MAILER-DAEMON 1 0  1  0  0  0   0   0   0    0     0',
    ]);
    expect(io.stdout.at(-1)).toMatch(/^-- sender domains, messages by age in minutes/);
  });

  it('counts each recipient by its domain with --shape recipient, and only what the filters select', async () => {
    await backlog();
    const { code, io } = await fx.cli('mailq', '--shape', 'recipient', '--sender-domain', 'spam.example');
    expect(code).toBe(0);
    const rows = Object.fromEntries(io.stdout.slice(1, -1).map((l) => l.trim().split(/\s+/)).map(([name, total]) => [name, Number(total)]));
    expect(rows).toEqual({ TOTAL: 4, 'example.com': 4 });
    expect(io.stdout.at(-1)).toContain('3 of 6 queued messages shaped (sender domain spam.example)');
  });

  it('gives the table as JSON, and refuses a --shape other than sender or recipient naming the flag', async () => {
    await backlog();
    const json = await fx.cli('mailq', '--shape', 'recipient', '--json', '--route', 'other');
    expect(json.code).toBe(0);
    const shape = json.io.json<QueueShape>();
    expect(shape.by).toBe('recipient');
    expect(shape.rows.map((r) => [r.name, r.total, r.counts[5]])).toEqual([['example.net', 1, 1]]);
    expect(shape.buckets.at(-1)).toEqual({ label: '1280m+', fromMinutes: 1280 });

    const bad = await fx.cli('mailq', '--shape', 'subject');
    expect(bad.code).toBe(2);
    expect(bad.io.stderr.join('\n')).toContain('--shape: expected sender or recipient (or nothing, for sender); got "subject"');
  });
});
