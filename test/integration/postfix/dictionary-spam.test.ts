// Dictionary spam against a real Postfix primary: one message to one valid
// and 45 unknown recipients. Postfix refuses each unknown one (550 5.1.1) and,
// past smtpd_hard_error_limit (20), ends the session with "421 4.7.0 Error:
// too many errors". That is recipient-level trouble, not an outage: the valid
// recipient is delivered in the first drain, the primary is never marked
// down, and the sender gets at most one DSN listing every unknown recipient.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodemailerTransportFactory } from '../../../lambdas/adapters/smtp/nodemailer-transport.js';
import { DrainRoute } from '../../../lambdas/core/drain/drain-route.js';
import { harness } from '../../support/world/engine-harness.js';
import { PostfixPrimary } from '../../support/smtp/postfix-mailbox-primary.js';
import { postfixSkipReason } from '../../support/smtp/postfix-required.js';

const unavailable = postfixSkipReason(PostfixPrimary.unavailable(), 'the dictionary-spam test');
const UNKNOWN = Array.from({ length: 45 }, (_, i) => `guess${String(i).padStart(2, '0')}@example.com`);

describe.skipIf(unavailable !== undefined)(`dictionary spam (and a quoted local part) to a real Postfix${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let postfix: PostfixPrimary;
  beforeAll(async () => {
    postfix = await PostfixPrimary.start({ domain: 'example.com', users: ['alice'], quotedUsers: [{ localPart: 'john smith', mailbox: 'john' }] });
  }, 30_000);
  afterAll(async () => {
    await postfix?.stop();
  });

  for (const where of ['first', 'last'] as const) {
    it(`delivers the valid recipient (${where} of 46) in the first drain, never marks the primary down, sends one DSN`, async () => {
      const h = harness({ concurrency: 1 }, { primary: { host: '127.0.0.1', port: postfix.port, tls: 'none' } });
      const before = postfix.deliveries().get('alice') ?? 0;
      const recipients = where === 'first' ? ['alice@example.com', ...UNKNOWN] : [...UNKNOWN, 'alice@example.com'];
      const { messageId } = await h.arrive({ recipients });
      const transports = new NodemailerTransportFactory({ clientName: 'mx2.example.com', socketTimeoutMs: 20_000, maxConnections: 2 });
      const drain = new DrainRoute({ ...h.deps, transports }, { hostname: 'mx2.example.com', concurrency: 1 });

      const summary = await drain.run(h.route, { owner: 'drain-1', budgetSeconds: 120 });

      expect(summary.stoppedBecause).not.toBe('connection-failed');
      expect(h.ledger.stateOf(messageId, 'alice@example.com')).toBe('delivered');
      expect((await postfix.waitForDeliveries(before + 1)).get('alice')).toBe(before + 1);
      for (const r of UNKNOWN) expect(h.ledger.stateOf(messageId, r), r).toBe('bounced');
      expect((await h.routeState.health(h.route.name))?.status).not.toBe('down');
      expect(h.bounces.sent).toHaveLength(1);
      const dsn = h.bounces.sent[0]!.raw;
      for (const r of UNKNOWN) expect(dsn).toContain(`Final-Recipient: rfc822; ${r}`);
      expect(dsn).not.toContain('Final-Recipient: rfc822; alice@example.com');
      expect(h.queue.all()).toEqual([]);
      // A second drain has nothing left to do and sends nothing more.
      await drain.run(h.route, { owner: 'drain-2', budgetSeconds: 60 });
      expect(h.bounces.sent).toHaveLength(1);
    }, 120_000);
  }

  it('delivers to a quoted local part ("john smith"@example.com) as the envelope gives it', async () => {
    const h = harness({ concurrency: 1 }, { primary: { host: '127.0.0.1', port: postfix.port, tls: 'none' } });
    const { messageId } = await h.arrive({ recipients: ['"john smith"@example.com'] });
    const transports = new NodemailerTransportFactory({ clientName: 'mx2.example.com', socketTimeoutMs: 20_000 });
    await new DrainRoute({ ...h.deps, transports }, { hostname: 'mx2.example.com', concurrency: 1 }).run(h.route, { owner: 'd', budgetSeconds: 60 });
    expect(h.ledger.stateOf(messageId, '"john smith"@example.com')).toBe('delivered');
    expect((await postfix.waitForDeliveries((postfix.deliveries().get('alice') ?? 0) + 1)).get('john')).toBe(1);
  }, 60_000);
});
