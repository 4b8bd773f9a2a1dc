// Claim (docs/security.md, "a sender crafting the envelope"): a spammer who
// forges return paths cannot make backup-mx mail strangers through the user's
// SES account, nor spend its reputation. The route here has no recipient list
// (the default): every message to an unknown user reaches the primary, which
// refuses it with 550. The engine runs with its fakes (the SES stand-in's
// verdicts as SES reports them), a budget store and a held-notice store as in
// the stack.
import { describe, expect, it } from 'vitest';
import { InMemoryNoticeAlarms, InMemoryNoticeSending } from '../../lambdas/adapters/fakes/index.js';
import { HeldNoticesAdmin } from '../../lambdas/core/operator/held-notices-admin.js';
import type { Verdicts, VerdictStatus } from '../../lambdas/core/model.js';
import { pauseOnAlarm } from '../../lambdas/core/outcome/pause-notices.js';
import { conditionsOf, ROUTE_CONDITIONS } from '../../lambdas/core/problems/conditions.js';
import { harness } from '../support/world/engine-harness.js';

const refused = { code: 550, enhanced: '5.1.1', text: 'User unknown in virtual mailbox table' };
const NOT_PASS: VerdictStatus[] = ['GRAY', 'PROCESSING_FAILED', 'DISABLED'];

/** The primary refuses the unknown user in every transaction (the fake answers one reply per transaction). */
const refuseUnknownUser = (h: ReturnType<typeof harness>, times: number) => h.transports.reply('nobody@example.com', ...Array.from({ length: times }, () => refused));

/** The i-th forged message: SPF not PASS (GRAY, PROCESSING_FAILED or none), DMARC not PASS, any DKIM; or DMARC PASS for the spammer's own From. */
function forged(i: number): { sender: string; from: string; verdicts: Partial<Verdicts> } {
  const spf = NOT_PASS[i % 3]!;
  const dkim = (['PASS', 'GRAY', 'FAIL', 'DISABLED'] as const)[i % 4]!;
  const ownDmarc = i % 5 === 0; // the spammer's own domain passes DMARC, for a From unrelated to the forged return path
  return {
    sender: `victim${i}@victim${i % 17}.example`,
    from: `Offers <promo@attacker.example>`,
    verdicts: { spam: 'PASS', spf, dkim: ownDmarc ? 'PASS' : dkim, dmarc: ownDmarc ? 'PASS' : NOT_PASS[i % 3]! },
  };
}

async function drainAll(h: ReturnType<typeof harness>): Promise<void> {
  for (let run = 0; run < 200 && h.queue.all().length > 0; run++) await h.runDrain();
  expect(h.queue.all()).toHaveLength(0);
}

describe('backscatter: forged return paths on a route with no recipient list', () => {
  it('1,000 forged-sender messages to unknown users: no DSN at all; each refusal recorded as notice suppressed (not a dead letter) and counted', async () => {
    const h = harness({ concurrency: 10 });
    refuseUnknownUser(h, 1000);
    const ids: string[] = [];
    for (let i = 0; i < 1000; i++) ids.push((await h.arrive({ ...forged(i), recipients: ['nobody@example.com'] })).messageId);
    await drainAll(h);

    expect(h.bounces.sent).toHaveLength(0);
    expect(await h.heldNotices.count('main')).toBe(0);
    expect(await h.deadLetters.list('main')).toHaveLength(0);
    for (const id of ids) {
      expect((await h.ledger.outcomes(id)).get('nobody@example.com')).toMatchObject({ state: 'bounced', notice: 'done', noticeResult: { kind: 'suppressed', why: expect.stringMatching(/^return path not authenticated/) } });
    }
    expect(h.metrics.total('NoticesSuppressed', 'main')).toBe(1000);
    expect(h.metrics.total('NoticesSent', 'main')).toBe(0);
  });

  it('with authenticated senders in the mix, DSNs never exceed the hourly budget; the overflow is held, listed for the operator, and raises the held-notices alarm', async () => {
    const h = harness({ concurrency: 10 }, { dsnPerHour: 100 });
    refuseUnknownUser(h, 1001);
    const authenticated = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      // Every third message from a sender whose SPF passes: a real sender, or a spammer's own domain.
      const message = i % 3 === 0 ? { sender: `someone${i}@sender.example`, verdicts: { spf: 'PASS' as const, dkim: 'GRAY' as const, dmarc: 'GRAY' as const } } : forged(i);
      const { messageId } = await h.arrive({ ...message, recipients: ['nobody@example.com'] });
      if (i % 3 === 0) authenticated.add(messageId);
    }
    await drainAll(h);

    // All within one UTC hour (the fake clock stands still): exactly the budget goes out, only to authenticated senders.
    expect(h.bounces.sent).toHaveLength(100);
    for (const sent of h.bounces.sent) expect(sent.envelope.to[0]).toMatch(/^someone\d+@sender\.example$/);
    const held = await h.heldNotices.list('main');
    expect(held).toHaveLength(authenticated.size - 100);
    expect(held.every((n) => n.why === 'budget' && n.kind === 'dsn' && authenticated.has(n.messageId))).toBe(true);
    for (const n of held.slice(0, 5)) expect(await h.heldNotices.text('main', n.messageId, n.copy, 'dsn')).toContain('Undelivered mail');
    expect(h.metrics.total('NoticesSent')).toBe(100);
    expect(h.metrics.total('NoticesHeld')).toBe(authenticated.size - 100);
    expect(h.metrics.total('NoticesSuppressed')).toBe(1000 - authenticated.size);
    const heldId = held[0]!.messageId;
    expect((await h.ledger.outcomes(heldId)).get('nobody@example.com')!.noticeResult).toEqual({ kind: 'held', why: "the route's hourly notice budget was spent" });

    // The operator's use case lists them with the hour's use of the budget.
    const admin = new HeldNoticesAdmin({ held: h.heldNotices, bounces: h.bounces, ledger: h.ledger, clock: h.clock, log: h.log, budget: h.noticeBudget });
    const overview = await admin.overview([h.route]);
    expect(overview.routes[0]).toMatchObject({ route: 'main', perHour: 100, usedThisHour: 100 });
    expect(overview.routes[0]!.held).toHaveLength(authenticated.size - 100);

    // The probe counts them and turns on the route's notices-held condition (its Problems alarm).
    h.probe.up(h.route.primary.host);
    await h.prober().run();
    const gauge = h.metrics.gauges.filter((g) => g.name === 'HeldNotices' && g.route === 'main').at(-1);
    expect(gauge?.value).toBe(authenticated.size - 100);
    const problems = h.metrics.gauges.filter((g) => g.name === 'RouteProblems' && g.route === 'main').at(-1);
    expect(conditionsOf(ROUTE_CONDITIONS, problems!.value)).toContain('notices-held');

    // The next hour has a fresh budget for new bounces; held notices stay for the operator.
    h.clock.advance(3600);
    const { messageId: fresh } = await h.arrive({ sender: 'late@sender.example', recipients: ['nobody@example.com'] });
    await drainAll(h);
    expect(h.bounces.sent.at(-1)!.envelope.to).toEqual(['late@sender.example']);
    expect((await h.ledger.outcomes(fresh)).get('nobody@example.com')!.noticeResult).toEqual({ kind: 'dsn' });
    expect(await h.heldNotices.count('main')).toBe(authenticated.size - 100);

    // Sent by the operator: out of the store, the ledger says a DSN went; discarded: says so.
    const report = await admin.send([h.route], { messageIds: [heldId] });
    expect(report.sent.map((n) => n.messageId)).toEqual([heldId]);
    expect(h.bounces.sent.at(-1)!.envelope).toEqual({ from: '', to: [held[0]!.to] });
    expect((await h.ledger.outcomes(heldId)).get('nobody@example.com')!.noticeResult).toEqual({ kind: 'dsn' });
    const discarded = await admin.discard([h.route], { all: true });
    expect(discarded).toHaveLength(authenticated.size - 101);
    expect((await h.ledger.outcomes(discarded[0]!.messageId)).get('nobody@example.com')!.noticeResult).toMatchObject({ kind: 'discarded' });
    await h.prober().run();
    expect(h.metrics.gauges.filter((g) => g.name === 'HeldNotices').at(-1)?.value).toBe(0);
  });

  it('when the reputation alarm pauses the notices\' configuration set, notices wait held (never dead-lettered, never dropped) and go once the operator resumes', async () => {
    const h = harness();
    const sending = new InMemoryNoticeSending();
    h.bounces.sending = sending;
    refuseUnknownUser(h, 1);

    const paused = await pauseOnAlarm({ alarmData: { alarmName: 'BackupMx-MonitoringNoticeBounceRate', state: { value: 'ALARM', reason: 'Threshold Crossed' } } }, { sending, log: h.log });
    expect(paused.action).toBe('paused');
    expect(sending.changes).toEqual([false]);
    // An OK later does not switch sending back on by itself.
    expect((await pauseOnAlarm({ alarmData: { state: { value: 'OK' } } }, { sending, log: h.log })).action).toBe('ignored');
    expect(sending.changes).toEqual([false]);

    const { messageId } = await h.arrive({ sender: 'alice@sender.example', recipients: ['nobody@example.com'] });
    await drainAll(h);
    expect(h.bounces.sent).toHaveLength(0);
    expect(await h.deadLetters.list('main')).toHaveLength(0);
    expect(await h.heldNotices.list('main')).toEqual([expect.objectContaining({ messageId, why: 'paused', to: 'alice@sender.example' })]);
    expect((await h.ledger.outcomes(messageId)).get('nobody@example.com')!.noticeResult).toEqual({ kind: 'held', why: 'SES sending was paused' });

    const alarms = new InMemoryNoticeAlarms();
    alarms.states.set('BackupMx-NoticeBounceRate', 'ALARM');
    const admin = new HeldNoticesAdmin({ held: h.heldNotices, bounces: h.bounces, ledger: h.ledger, clock: h.clock, log: h.log, sending, alarms });
    expect((await admin.overview([h.route])).sending).toEqual({ name: sending.name, enabled: false });
    const stillPaused = await admin.send([h.route], { all: true });
    expect(stillPaused.sent).toHaveLength(0);
    expect(stillPaused.left.map((l) => l.notice.messageId)).toEqual([messageId]);
    expect(await h.heldNotices.count('main')).toBe(1);

    // Not while the alarm that paused it is still in ALARM; once it is OK.
    expect(await admin.resume()).toEqual({ kind: 'refused', firing: ['BackupMx-NoticeBounceRate'] });
    expect(sending.sending).toBe(false);
    alarms.states.set('BackupMx-NoticeBounceRate', 'OK');
    expect(await admin.resume()).toEqual({ kind: 'resumed', firing: [] });
    const report = await admin.send([h.route], { all: true });
    expect(report.sent.map((n) => n.messageId)).toEqual([messageId]);
    expect(h.bounces.sent).toHaveLength(1);
    expect(await h.heldNotices.count('main')).toBe(0);
  });
});
