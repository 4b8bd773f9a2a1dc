// The primary accepted some recipients, then the ledger write kept failing:
// the drain re-enqueues a copy for the others only (so nobody gets the message
// twice). That copy must still be the same copy of the message for everything
// kept per copy: the accept-time index entry is finished once every recipient
// is final (else `mailq` lists it for ever and the age and backlog alarms stay
// in ALARM), the delivered recipients get their ledger rows once the ledger
// takes writes again (else `show` and `replay` do not know them), and the
// delay warning already sent is not sent again.
import { describe, expect, it } from 'vitest';
import { InMemoryDelayNotices } from '../../../../lambdas/adapters/fakes/in-memory-feature-stores.js';
import { narrowSesNotification } from '../../../../lambdas/adapters/ses/ses-notification.js';
import { AcceptMessage } from '../../../../lambdas/core/accept/accept-message.js';
import { copyKeyOf } from '../../../../lambdas/core/message/message-copy.js';
import { harness } from '../../../support/world/engine-harness.js';

const RECIPIENTS = ['bob@example.com', 'carol@example.com'];

/** bob@ is accepted, carol@ deferred, and the ledger refuses every write of that transaction. */
async function acceptedThenLedgerDown(options: Parameters<typeof harness>[0] = {}) {
  const h = harness({ ledgerWriteRetryMs: [0, 0, 0], ...options });
  Object.assign(h.deps, { narrow: narrowSesNotification });
  h.transports.reply('carol@example.com', { code: 451, enhanced: '4.3.0', text: 'try later' });
  const { messageId, body } = await h.arrive({ recipients: RECIPIENTS });
  // As the accept Lambda does when SNS delivers the notification: the index entry of this copy.
  await new AcceptMessage({ index: h.index, store: h.store, parse: h.deps.parse, log: h.log }).accept('main', body);
  const recordAttempts = h.ledger.recordAttempts.bind(h.ledger);
  h.ledger.recordAttempts = async () => {
    throw new Error('ProvisionedThroughputExceededException');
  };
  await h.runDrain();
  const ledgerBack = () => (h.ledger.recordAttempts = recordAttempts);
  return { h, messageId, ledgerBack };
}

describe('a ledger write that fails after the primary accepted some recipients', () => {
  it('re-enqueues a copy for the others only: nobody gets the message twice', async () => {
    const { h, messageId, ledgerBack } = await acceptedThenLedgerDown();
    const copies = h.queue.all();
    expect(copies).toHaveLength(1);
    expect(h.deps.parse(copies[0]!.body)).toMatchObject({ messageId, recipients: ['carol@example.com'] });
    ledgerBack();
    h.clock.advance(301);
    await h.runDrain();
    expect(h.transports.envelopes.map((e) => e.to)).toEqual([RECIPIENTS, ['carol@example.com']]);
  });

  it('leaves no queued index entry once every recipient is final, and the delivered recipient has its ledger row', async () => {
    const { h, messageId, ledgerBack } = await acceptedThenLedgerDown();
    expect((await h.index.listQueued('main')).map((s) => s.messageId)).toEqual([messageId]);
    ledgerBack();
    h.clock.advance(301);
    await h.runDrain();
    expect(h.queue.all()).toHaveLength(0);
    // The accept-time entry (the copy SES delivered: both recipients) is done, not queued for ever.
    expect(await h.index.listQueued('main')).toEqual([]);
    const summary = await h.index.get(messageId, 'main', copyKeyOf(RECIPIENTS));
    expect(summary).toMatchObject({ state: 'done', recipients: RECIPIENTS });
    // bob@'s 2xx is in the ledger (for show and replay), with the primary's reply; carol@'s too.
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('delivered');
    expect((await h.ledger.outcomes(messageId)).get('bob@example.com')?.reply).toMatchObject({ code: 250 });
    expect(h.ledger.stateOf(messageId, 'carol@example.com')).toBe('delivered');
    // The probe's figures: nothing waits.
    await h.prober().round();
    expect(h.metrics.gauges.filter((g) => g.name === 'QueuedMessages').at(-1)?.value).toBe(0);
  });

  it('when every recipient was accepted, the copy finishes once the ledger is back: rows written, entry done', async () => {
    const h = harness({ ledgerWriteRetryMs: [0, 0, 0] });
    Object.assign(h.deps, { narrow: narrowSesNotification });
    const { messageId, body } = await h.arrive({ recipients: RECIPIENTS });
    await new AcceptMessage({ index: h.index, store: h.store, parse: h.deps.parse, log: h.log }).accept('main', body);
    const recordAttempts = h.ledger.recordAttempts.bind(h.ledger);
    h.ledger.recordAttempts = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    const record = h.ledger.record.bind(h.ledger);
    h.ledger.record = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    await h.runDrain();
    expect(h.transports.transactions).toHaveLength(1);
    h.ledger.recordAttempts = recordAttempts;
    h.ledger.record = record;
    h.clock.advance(301);
    await h.runDrain();
    expect(h.transports.transactions).toHaveLength(1); // nobody twice
    expect(h.queue.all()).toHaveLength(0);
    expect(await h.index.listQueued('main')).toEqual([]);
    expect(RECIPIENTS.map((r) => h.ledger.stateOf(messageId, r))).toEqual(['delivered', 'delivered']);
  });

  it('a copy the sweep expires (primary down) still writes the accepted recipient\'s row and finishes the entry', async () => {
    const { h, messageId, ledgerBack } = await acceptedThenLedgerDown({ queueLifetimeSeconds: 3_600 });
    ledgerBack();
    await h.primaryDown();
    h.clock.advance(3_700);
    await h.runSweep();
    expect(h.queue.all()).toHaveLength(0);
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('delivered');
    expect(h.ledger.stateOf(messageId, 'carol@example.com')).toBe('expired');
    expect(await h.index.listQueued('main')).toEqual([]);
    // carol@'s DSN names only her; the done summary lists the whole copy.
    expect(h.bounces.sent).toHaveLength(1);
    expect(h.bounces.sent[0]!.raw).toContain('carol@example.com');
    expect(h.bounces.sent[0]!.raw).not.toContain('Final-Recipient: rfc822; bob@example.com');
    expect((await h.index.get(messageId, 'main', copyKeyOf(RECIPIENTS)))?.recipients).toEqual(RECIPIENTS);
  });

  it('the copy keeps the message\'s copy key: the delay warning sent before is not sent again', async () => {
    const h = harness({ ledgerWriteRetryMs: [0, 0, 0], minBackoffSeconds: 60, maxBackoffSeconds: 60 }, { delayWarningSeconds: 3_600 });
    Object.assign(h.deps, { narrow: narrowSesNotification, delayNotices: new InMemoryDelayNotices() });
    const later = { code: 451, enhanced: '4.3.0', text: 'try later' };
    h.transports.reply('bob@example.com', later).reply('carol@example.com', later, later, later);
    const { messageId } = await h.arrive({ recipients: RECIPIENTS });
    h.clock.advance(7_200);
    await h.runDrain(); // both deferred, two hours late: one warning
    expect(h.bounces.sent).toHaveLength(1);
    const recordAttempts = h.ledger.recordAttempts.bind(h.ledger);
    h.ledger.recordAttempts = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    h.clock.advance(120);
    await h.runDrain(); // bob@ accepted, the ledger refuses: a copy for carol@
    h.ledger.recordAttempts = recordAttempts;
    h.clock.advance(600);
    await h.runDrain(); // carol@ deferred again
    expect(h.transports.envelopes.map((e) => e.to)).toEqual([RECIPIENTS, RECIPIENTS, ['carol@example.com']]);
    expect(h.bounces.sent).toHaveLength(1);
    expect(h.queue.all()).toHaveLength(1);
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('delivered');
  });
});
