// The operator's verbs on held notices (`backup-mx notices`): list them with
// each route's budget and whether SES sending is paused, send them (as they
// were built, outside the hourly budget: a person decided), discard them, and
// let the notices' configuration set send again after its automatic pause,
// but not while a reputation alarm is still in ALARM unless forced (the
// scheduled check would pause it again within minutes, and the rate says the
// notices still bounce). Each DSN's recipients get the outcome in the ledger,
// so `show` tells.
import type { Ledger, BounceMailer } from '../outcome/ports.js';
import type { Clock, DeliveryLog } from '../runtime/ports.js';
import { NoticeSendingPausedError } from '../outcome/ports.js';
import type { NoticeResult, Route } from '../model.js';
import type { HeldNoticeSummary, HeldNotices, NoticeAlarms, NoticeBudget, NoticeSending } from '../outcome/notice-ports.js';
import { noticesPerHour } from '../outcome/notice-sender.js';

export interface HeldNoticesDeps {
  held: HeldNotices;
  bounces: BounceMailer;
  ledger: Ledger;
  clock: Clock;
  log: DeliveryLog;
  budget?: NoticeBudget;
  /** The configuration set's switch; absent outside a stack (local runs). */
  sending?: NoticeSending;
  /** The reputation alarms that pause it; absent outside a stack, or when the stack does not name them (deployed before they were named). */
  alarms?: NoticeAlarms;
}

/**
 * What `resume` did: sending enabled again (despite `firing` alarms when
 * forced); nothing to do; or refused because a reputation alarm is in ALARM,
 * or because the alarms cannot be checked (`unchecked`: the stack names none).
 */
export type ResumeResult =
  | { kind: 'resumed'; firing: string[] }
  | { kind: 'not-paused' }
  | { kind: 'refused'; firing: string[] }
  | { kind: 'unchecked' };

export interface RouteNotices {
  route: string;
  perHour: number;
  /** Notices sent this UTC hour (undefined without a budget store). */
  usedThisHour?: number;
  held: HeldNoticeSummary[];
}

export interface NoticesOverview {
  routes: RouteNotices[];
  /** The configuration set and whether SES sends through it (absent outside a stack). */
  sending?: { name: string; enabled: boolean };
}

/** Which held notices a verb applies to: all of the routes', or those of these message ids. */
export type NoticeSelection = { all: true } | { messageIds: string[] };

export interface SendReport {
  sent: HeldNoticeSummary[];
  /** Left held: SES sending is paused (nothing more was tried), the send failed, or its text is missing. */
  left: { notice: HeldNoticeSummary; why: string }[];
}

export class HeldNoticesAdmin {
  constructor(private readonly deps: HeldNoticesDeps) {}

  async overview(routes: Route[]): Promise<NoticesOverview> {
    const { held, budget, clock, sending } = this.deps;
    const now = clock.now();
    const perRoute = await Promise.all(
      routes.map(async (route) => {
        const entry: RouteNotices = { route: route.name, perHour: noticesPerHour(route), held: await held.list(route.name) };
        if (budget) entry.usedThisHour = await budget.used(route.name, now);
        return entry;
      }),
    );
    return { routes: perRoute, ...(sending ? { sending: { name: sending.name, enabled: await sending.enabled() } } : {}) };
  }

  /** Sends the selected notices oldest first; stops at the first "sending paused" (the rest stay held). */
  async send(routes: Route[], selection: NoticeSelection): Promise<SendReport> {
    const report: SendReport = { sent: [], left: [] };
    const chosen = await this.select(routes, selection);
    for (const [i, notice] of chosen.entries()) {
      try {
        const raw = await this.deps.held.text(notice.route, notice.messageId, notice.copy, notice.kind);
        if (raw === undefined) throw new Error('its text is missing from the store (discard it, and tell the sender yourself if needed)');
        await this.deps.bounces.send(raw, { from: '', to: [notice.to] });
      } catch (error) {
        const why = (error as Error).message;
        if (error instanceof NoticeSendingPausedError) {
          for (const rest of chosen.slice(i)) report.left.push({ notice: rest, why });
          return report;
        }
        report.left.push({ notice, why });
        continue;
      }
      await this.deps.held.remove(notice.route, notice.messageId, notice.copy, notice.kind);
      await this.recordResult(notice, { kind: 'dsn' });
      this.deps.log.info('held notice sent by the operator', { route: notice.route, messageId: notice.messageId, kind: notice.kind, to: notice.to });
      report.sent.push(notice);
    }
    return report;
  }

  /** Forgets the selected notices: their senders are never told (the ledger says so). */
  async discard(routes: Route[], selection: NoticeSelection): Promise<HeldNoticeSummary[]> {
    const chosen = await this.select(routes, selection);
    for (const notice of chosen) {
      await this.deps.held.remove(notice.route, notice.messageId, notice.copy, notice.kind);
      await this.recordResult(notice, { kind: 'discarded', why: `held notice (${notice.why === 'budget' ? 'over the hourly budget' : 'sending paused'}) discarded by the operator` });
      this.deps.log.info('held notice discarded by the operator', { route: notice.route, messageId: notice.messageId, kind: notice.kind, to: notice.to });
    }
    return chosen;
  }

  /**
   * Lets SES send through the notices' configuration set again. Unless
   * `force`, only when no reputation alarm is in ALARM: a rate still above the
   * line means the notices still bounce, and the scheduled check would pause
   * again at once. Rejects when the alarms cannot be read.
   */
  async resume(options: { force?: boolean } = {}): Promise<ResumeResult> {
    const { sending, alarms } = this.deps;
    if (!sending) throw new Error('this backup MX sends its notices through no SES configuration set (a local run): nothing to resume');
    if (await sending.enabled()) return { kind: 'not-paused' };
    let firing: string[] = [];
    if (!options.force) {
      if (!alarms) return { kind: 'unchecked' };
      firing = await alarms.firing();
      if (firing.length > 0) return { kind: 'refused', firing };
    } else if (alarms) {
      // Forced: still say which alarms it overrode, if they can be read.
      firing = await alarms.firing().catch(() => []);
    }
    await sending.setEnabled(true);
    this.deps.log.info('notice sending resumed by the operator', { configurationSet: sending.name, ...(options.force ? { forced: true, firing } : {}) });
    return { kind: 'resumed', firing };
  }

  private async select(routes: Route[], selection: NoticeSelection): Promise<HeldNoticeSummary[]> {
    const all = (await Promise.all(routes.map((r) => this.deps.held.list(r.name)))).flat().sort((a, b) => a.at.getTime() - b.at.getTime());
    if ('all' in selection) return all;
    const wanted = new Set(selection.messageIds);
    return all.filter((n) => wanted.has(n.messageId));
  }

  /** A DSN's recipients (final, their notice held) get what became of it; a delay warning's are still waiting. */
  private async recordResult(notice: HeldNoticeSummary, result: NoticeResult): Promise<void> {
    if (notice.kind !== 'dsn') return;
    const outcomes = await this.deps.ledger.outcomes(notice.messageId);
    for (const recipient of notice.recipients) {
      const outcome = outcomes.get(recipient);
      if (outcome?.noticeResult?.kind !== 'held') continue;
      await this.deps.ledger.record(notice.messageId, { ...outcome, noticeResult: result, updatedAt: this.deps.clock.now() });
    }
  }
}
