import { describe, expect, it } from 'vitest';
import { InMemoryDelayNotices } from '../../../../lambdas/adapters/fakes/in-memory-feature-stores.js';
import { parseSesNotification } from '../../../../lambdas/adapters/ses/ses-notification.js';
import { delayWarningDue } from '../../../../lambdas/core/outcome/delay-warning.js';
import type { Route, Verdicts } from '../../../../lambdas/core/model.js';
import { sesNotification } from '../../../support/aws/ses-events.js';
import { harness, route as baseRoute } from '../../../support/world/engine-harness.js';

const HOUR = 3_600;

describe('delayWarningDue (who gets a delay warning, and when)', () => {
  const arrived = new Date('2026-01-05T10:00:00Z');
  const message = (sender = 'alice@sender.example', verdicts: Partial<Verdicts> = {}) =>
    parseSesNotification(sesNotification({ messageId: 'm1', sender, timestamp: arrived, verdicts }));
  const later = (hours: number) => new Date(arrived.getTime() + hours * HOUR * 1000);
  const on: Route = { ...baseRoute, delayWarningSeconds: 4 * HOUR };

  it.each([
    ['off by default', baseRoute, message(), 10, {}, false, 'delay warnings are off'],
    ['not yet due', on, message(), 3.9, {}, false, 'not delayed long enough'],
    ['due', on, message(), 4, {}, true, undefined],
    ['never to the null sender', on, message(''), 5, {}, false, 'null sender'],
    ['never for spam FAIL', on, message('a@b.example', { spam: 'FAIL' }), 5, {}, false, 'spam verdict FAIL'],
    ['never for SPF FAIL (forged sender)', on, message('a@b.example', { spf: 'FAIL' }), 5, {}, false, 'SPF verdict FAIL'],
    ['never for DMARC FAIL', on, message('a@b.example', { dmarc: 'FAIL' }), 5, {}, false, 'DMARC verdict FAIL'],
    // Issue 17: a return path that did not authenticate gets no warning either (GRAY, none, PROCESSING_FAILED).
    ['never to a return path that did not authenticate', on, message('a@b.example', { spf: 'GRAY', dkim: 'PASS', dmarc: 'GRAY' }), 5, {}, false, 'return path not authenticated (SPF GRAY, DKIM PASS, DMARC GRAY)'],
    ['SPF not checked, but DKIM and DMARC PASS for the From address, which is the return path: warned', on, message('a@b.example', { spf: 'DISABLED' }), 5, {}, true, undefined],
    ['never under the dead-letter bounce policy', { ...on, bouncePolicy: 'dead-letter' as const }, message(), 5, {}, false, "route bounce policy is 'dead-letter'"],
    ['the engine-wide seconds override wins', on, message(), 0.001, { delayWarningSeconds: 2 }, true, undefined],
    ['the override can switch it off', on, message(), 5, { delayWarningSeconds: 0 }, false, 'delay warnings are off'],
  ])('%s', (_name, route, msg, hours, options, warn, why) => {
    const decision = delayWarningDue(route, msg, later(hours), options);
    expect(decision.warn).toBe(warn);
    if (!decision.warn) expect(decision.why).toBe(why);
  });
});

/** A route with a 4 h delay warning time, and the claims it records. */
function setup() {
  const h = harness({}, { delayWarningSeconds: 4 * HOUR });
  const notices = new InMemoryDelayNotices();
  (h.deps as { delayNotices?: InMemoryDelayNotices }).delayNotices = notices;
  return { h, notices };
}

describe('delay warnings from the sweep (primary down)', () => {

  it('sends one action=delayed notice once the time has passed, however often the sweep meets the message', async () => {
    const { h, notices } = setup();
    const { messageId } = await h.arrive({ recipients: ['bob@example.com', 'carol@example.com'] });
    await h.primaryDown();
    h.clock.advance(3 * HOUR);
    await h.runSweep();
    expect(h.bounces.sent).toHaveLength(0);
    h.clock.advance(2 * HOUR);
    await h.runSweep();
    h.clock.advance(HOUR);
    await h.runSweep();
    expect(h.bounces.sent).toHaveLength(1);
    const [notice] = h.bounces.sent;
    expect(notice!.envelope).toEqual({ from: '', to: ['alice@sender.example'] });
    expect(notice!.raw).toContain('Final-Recipient: rfc822; bob@example.com\r\nAction: delayed\r\nStatus: 4.4.1');
    expect(notice!.raw).toContain('Final-Recipient: rfc822; carol@example.com\r\nAction: delayed');
    expect(notice!.raw).toMatch(/Will-Retry-Until: Sat, 10 Jan 2026 10:00:00 \+0000/); // 5-day default lifetime
    expect(await notices.get(messageId, 'main')).toMatchObject({ recipients: ['bob@example.com', 'carol@example.com'] });
    expect(h.transports.transactions).toHaveLength(0); // the sweep never delivers
  });

  it('a notice that could not be sent is tried again later, and delivery is not disturbed', async () => {
    const { h, notices } = setup();
    const { messageId } = await h.arrive();
    await h.primaryDown();
    h.clock.advance(5 * HOUR);
    h.bounces.failNext = new Error('SES throttled');
    const summary = await h.runSweep();
    expect(summary.errors).toBe(0);
    expect(h.bounces.sent).toHaveLength(0);
    expect(await notices.get(messageId, 'main')).toBeUndefined(); // claim given back
    h.clock.advance(HOUR);
    await h.runSweep();
    expect(h.bounces.sent).toHaveLength(1);
  });
});

describe('delay warnings of a message split over several receipt rules (one copy per rule)', () => {

  it('past the route\'s hourly budget the warning is held for the operator (claimed: no second one is built)', async () => {
    const h = harness({}, { delayWarningSeconds: 4 * HOUR, dsnPerHour: 1 });
    const notices = new InMemoryDelayNotices();
    (h.deps as { delayNotices?: InMemoryDelayNotices }).delayNotices = notices;
    const first = await h.arrive({ recipients: ['bob@example.com'] });
    const second = await h.arrive({ sender: 'carol@sender.example', recipients: ['bob@example.com'] });
    await h.primaryDown();
    h.clock.advance(5 * HOUR);
    await h.runSweep();
    await h.runSweep();
    expect(h.bounces.sent).toHaveLength(1);
    const held = await h.heldNotices.list('main');
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ kind: 'delay', why: 'budget', recipients: ['bob@example.com'] });
    expect(await h.heldNotices.text('main', held[0]!.messageId, held[0]!.copy, 'delay')).toContain('Action: delayed');
    expect([first.messageId, second.messageId]).toContain(held[0]!.messageId);
    expect(await notices.find(held[0]!.messageId, 'main')).toHaveLength(1);
    expect(h.metrics.total('NoticesHeld')).toBe(1);
  });

  it('each copy gets its own warning, naming its own recipients', async () => {
    const { h, notices } = setup();
    await h.arrive({ messageId: 'split', recipients: ['bob@example.com'] });
    await h.arrive({ messageId: 'split', recipients: ['carol@example.com', 'dave@example.com'] });
    await h.primaryDown();
    h.clock.advance(5 * HOUR);
    await h.runSweep();
    h.clock.advance(HOUR);
    await h.runSweep();
    expect(h.bounces.sent).toHaveLength(2);
    const named = h.bounces.sent.map((n) => [...n.raw.matchAll(/^Final-Recipient: rfc822; (\S+)/gm)].map((m) => m[1]).sort().join(' ')).sort();
    expect(named).toEqual(['bob@example.com', 'carol@example.com dave@example.com']);
    expect((await notices.find('split', 'main')).map((r) => r.recipients.join(' ')).sort()).toEqual(['bob@example.com', 'carol@example.com dave@example.com']);
  });

  it('a warning recorded before copies were kept (no copy) covers the message: no second one', async () => {
    const { h, notices } = setup();
    await h.arrive({ messageId: 'older', recipients: ['bob@example.com'] });
    await notices.claim({ messageId: 'older', route: 'main', at: h.clock.now(), recipients: ['bob@example.com'] });
    await h.primaryDown();
    h.clock.advance(5 * HOUR);
    await h.runSweep();
    expect(h.bounces.sent).toHaveLength(0);
  });
});
