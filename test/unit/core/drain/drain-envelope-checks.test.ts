// Two envelope details of the drain: the SIZE it declares, and what it does
// when the primary demands STARTTLS or AUTH the route was not set up for
// (530 at MAIL FROM): defer and stop the route, never bounce.
import { describe, expect, it } from 'vitest';
import { harness } from '../../../support/world/engine-harness.js';

const mustStartTls = { code: 530, enhanced: '5.7.0', text: 'Must issue a STARTTLS command first' };

describe('DrainRoute envelope checks', () => {
  it('declares the size of what it sends: the stored object plus our Received header', async () => {
    const h = harness();
    const { key } = await h.arrive({ recipients: ['bob@example.com', 'carol@example.com'] });
    await h.runDrain();
    const [tx] = h.transports.transactions;
    expect(tx!.size).toBe(tx!.bytes.length);
    expect(tx!.size).toBeGreaterThan(h.store.objects.get(key)!.length);
  });

  it('defers on 530 (TLS/AUTH wanted), logs it loudly and stops the route instead of bouncing', async () => {
    const h = harness({ concurrency: 1 });
    const first = await h.arrive({ recipients: ['bob@example.com', 'carol@example.com'] });
    await h.arrive({ recipients: ['dave@example.com'] });
    h.transports.reply('bob@example.com', mustStartTls).reply('carol@example.com', mustStartTls);

    const summary = await h.runDrain();

    expect(summary).toMatchObject({ bounced: 0, deferred: 2, stoppedBecause: 'connection-failed', released: 1 });
    expect(h.transports.transactions).toHaveLength(1); // the second message was not tried
    expect(h.ledger.stateOf(first.messageId, 'bob@example.com')).toBe('deferred');
    expect(h.bounces.sent).toHaveLength(0);
    expect(await h.deadLetters.list()).toHaveLength(0);
    expect(h.queue.all()).toHaveLength(2);
    expect(h.log.lines.some((e) => e.level === 'error' && /requires TLS or AUTH/.test(e.message) && e.fields?.reply === '530 5.7.0 Must issue a STARTTLS command first')).toBe(true);
    const health = await h.routeState.health('main');
    expect(health).toMatchObject({ status: 'down' });
    expect(health!.lastError).toMatch(/530 5\.7\.0/);
  });
});
