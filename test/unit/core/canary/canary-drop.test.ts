// The drain and the sweep drop the stack's canary right after parsing it:
// never delivered to the primary, no ledger row, no DSN, no expiry, and a run
// that only dropped a canary publishes no stop reason (one more metric billed
// every month). A forged canary is delivered like any mail.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InMemoryCanaryKey } from '../../../../lambdas/adapters/fakes/index.js';
import { canarySubject } from '../../../../lambdas/core/canary/canary-token.js';
import { CanaryRecogniser } from '../../../../lambdas/core/canary/recognise-canary.js';
import { harness } from '../../../support/world/engine-harness.js';

const ADDRESS = 'canary@canary.example.com';

function withCanary() {
  const h = harness();
  const keys = new InMemoryCanaryKey();
  keys.value = randomBytes(32);
  (h.deps as { canary?: CanaryRecogniser }).canary = new CanaryRecogniser(keys, { address: ADDRESS, route: 'main' });
  const canary = () => h.arrive({ recipients: [ADDRESS], sender: ADDRESS, subject: canarySubject(keys.value!, ADDRESS, h.clock.now()) });
  return { h, keys, canary };
}

describe('the drain drops the canary before delivery', () => {
  it('drops the canary, delivers the real mail beside it, and writes nothing about the canary', async () => {
    const { h, canary } = withCanary();
    const dropped = await canary();
    const real = await h.arrive({ recipients: ['bob@example.com'] });
    const summary = await h.runDrain();
    expect(summary).toMatchObject({ messages: 2, canaries: 1, delivered: 1, deadLettered: 0, bounced: 0, stoppedBecause: 'queue-empty' });
    expect(h.transports.envelopes.map((e) => [e.from, e.to])).toEqual([['alice@sender.example', ['bob@example.com']]]);
    expect(h.queue.size).toBe(0);
    expect((await h.ledger.outcomes(dropped.messageId)).size).toBe(0);
    expect((await h.ledger.outcomes(real.messageId)).get('bob@example.com')?.state).toBe('delivered');
    expect(await h.deadLetters.list()).toEqual([]);
    expect(h.bounces.sent).toEqual([]);
  });

  it('a run that only dropped a canary publishes no DrainStopped; one that also delivered does', async () => {
    const { h, canary } = withCanary();
    await canary();
    expect(await h.runDrain()).toMatchObject({ messages: 1, canaries: 1, stoppedBecause: 'queue-empty' });
    expect(h.metrics.stops).toEqual([]);
    await canary();
    await h.arrive();
    await h.runDrain();
    expect(h.metrics.stops).toEqual([{ reason: 'queue-empty', route: 'main' }]);
  });

  it('a forged canary (the canary address, an unsigned Subject) is delivered like any mail', async () => {
    const { h } = withCanary();
    await h.arrive({ recipients: [ADDRESS], subject: `backup-mx canary v1 ${h.clock.now().getTime()} ${'f'.repeat(32)}` });
    const summary = await h.runDrain();
    expect(summary).toMatchObject({ delivered: 1 });
    expect(summary.canaries).toBeUndefined();
    expect(h.transports.envelopes.map((e) => e.to)).toEqual([[ADDRESS]]);
  });

  it('a genuine canary Subject replayed onto mail with a real recipient is delivered to every recipient', async () => {
    const { h, keys } = withCanary();
    await h.arrive({ recipients: [ADDRESS, 'bob@example.com'], subject: canarySubject(keys.value!, ADDRESS, h.clock.now()) });
    expect(await h.runDrain()).toMatchObject({ delivered: 2 });
    expect(h.transports.envelopes.map((e) => [...e.to].sort())).toEqual([[ADDRESS, 'bob@example.com'].sort()]);
  });

  it('a key that cannot be read leaves the canary queued for the next drain (no guess, no delivery)', async () => {
    const { h, keys, canary } = withCanary();
    await canary();
    keys.fail = new Error('table unreachable');
    expect(await h.runDrain()).toMatchObject({ errors: 1, delivered: 0 });
    expect(h.transports.envelopes).toEqual([]);
    expect(h.queue.size).toBe(1);
  });
});

describe('the sweep drops the canary too (the primary down for days: no expiry, no DSN)', () => {
  it('drops canaries while the primary is down, well past the queue lifetime', async () => {
    const { h, canary } = withCanary();
    await h.primaryDown();
    await canary();
    h.clock.advance(6 * 86_400); // past the 5-day lifetime: a real message would expire with a DSN
    const summary = await h.runSweep();
    expect(summary).toMatchObject({ canaries: 1, expired: 0, deadLettered: 0 });
    expect(h.queue.size).toBe(0);
    expect(h.bounces.sent).toEqual([]);
  });
});

describe('the canary\'s stored copy is no "never queued" mail', () => {
  it('lives under mail/_canary/, which no route\'s prefix can be: the hourly look for unqueued mail never meets it', async () => {
    const { FindUnqueuedObjects } = await import('../../../../lambdas/core/sweep/find-unqueued-objects.js');
    const { CANARY_PREFIX, routePrefix } = await import('../../../../lambdas/config/mail-layout.js');
    const { parseBackupMxConfig } = await import('../../../../lib/config/backup-mx-config.js');
    const h = harness();
    // Not indexed, no ledger row, six hours old: a route's object like it would become a dead letter.
    h.store.put(`${CANARY_PREFIX}canary0001`, 'Subject: backup-mx canary\r\n\r\nx', new Date(h.clock.now().getTime() - 6 * 3600_000));
    h.store.put(`${routePrefix('main')}lost0001`, 'Subject: x\r\n\r\nx', new Date(h.clock.now().getTime() - 6 * 3600_000));
    const summary = await new FindUnqueuedObjects(h.deps, { prefixOf: routePrefix }).run(h.route);
    expect(summary).toMatchObject({ examined: 1, deadLettered: 1 });
    expect((await h.deadLetters.list()).map((d) => d.messageId)).toEqual(['lost0001']);
    // A route named like the canary's prefix is refused by the configuration.
    expect(() => parseBackupMxConfig({ region: 'us-east-1', routes: [{ name: '_canary', domains: ['example.com'], primary: { host: 'mx.example.com', port: 587 } }] })).toThrow(/routes\[0\]\.name/);
  });
});
