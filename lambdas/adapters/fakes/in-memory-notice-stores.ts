// In-memory fakes of the notice ports (core/outcome/notice-ports.ts).
import type { HeldNotice, HeldNoticeKind, HeldNotices, HeldNoticeSummary, NoticeAlarms, NoticeBudget, NoticeSending } from '../../core/outcome/notice-ports.js';

const hourOf = (now: Date) => now.toISOString().slice(0, 13);

export class InMemoryNoticeBudget implements NoticeBudget {
  /** Notices taken, by route and UTC hour. */
  readonly taken = new Map<string, number>();
  async take(route: string, now: Date, perHour: number): Promise<boolean> {
    const key = `${route}/${hourOf(now)}`;
    const used = this.taken.get(key) ?? 0;
    if (used >= perHour) return false;
    this.taken.set(key, used + 1);
    return true;
  }
  async used(route: string, now: Date): Promise<number> {
    return this.taken.get(`${route}/${hourOf(now)}`) ?? 0;
  }
}

export class InMemoryHeldNotices implements HeldNotices {
  readonly items = new Map<string, HeldNotice>();
  private static key(route: string, messageId: string, copy: string, kind: HeldNoticeKind): string {
    return `${route}/${messageId}/${copy}/${kind}`;
  }
  async hold(notice: HeldNotice): Promise<void> {
    this.items.set(InMemoryHeldNotices.key(notice.route, notice.messageId, notice.copy, notice.kind), structuredClone(notice));
  }
  async list(route: string): Promise<HeldNoticeSummary[]> {
    return [...this.items.values()]
      .filter((n) => n.route === route)
      .sort((a, b) => a.at.getTime() - b.at.getTime())
      .map(({ raw: _text, ...summary }) => structuredClone(summary));
  }
  async text(route: string, messageId: string, copy: string, kind: HeldNoticeKind): Promise<string | undefined> {
    return this.items.get(InMemoryHeldNotices.key(route, messageId, copy, kind))?.raw;
  }
  async count(route: string): Promise<number> {
    return [...this.items.values()].filter((n) => n.route === route).length;
  }
  async remove(route: string, messageId: string, copy: string, kind: HeldNoticeKind): Promise<void> {
    this.items.delete(InMemoryHeldNotices.key(route, messageId, copy, kind));
  }
}

/** The configuration set's switch; `sending` lets a RecordingBounceMailer refuse while it is off. */
export class InMemoryNoticeSending implements NoticeSending {
  readonly name = 'backup-mx-notices';
  sending = true;
  readonly changes: boolean[] = [];
  async enabled(): Promise<boolean> {
    return this.sending;
  }
  async setEnabled(enabled: boolean): Promise<void> {
    this.sending = enabled;
    this.changes.push(enabled);
  }
}

/** The reputation alarms' states, set by the test (a name left out is missing: firing() rejects). */
export class InMemoryNoticeAlarms implements NoticeAlarms {
  readonly states = new Map<string, 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'>();
  constructor(readonly names: readonly string[] = ['BackupMx-NoticeBounceRate', 'BackupMx-NoticeComplaintRate']) {
    for (const name of names) this.states.set(name, 'OK');
  }
  async firing(): Promise<string[]> {
    const missing = this.names.filter((name) => !this.states.has(name));
    if (missing.length > 0) throw new Error(`no alarm named ${missing.join(', ')}`);
    return this.names.filter((name) => this.states.get(name) === 'ALARM');
  }
}
