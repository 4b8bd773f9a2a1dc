// What the notice stores must do (core/outcome/notice-ports.ts), run on the fakes and
// on the DynamoDB adapters: the budget lets exactly `perHour` through per
// route and UTC hour, also when many drains take at once; a held notice is
// kept whole until removed, once per message copy and kind; listing gives
// the summaries, the text is read one notice at a time.
import { beforeEach, describe, expect, it } from 'vitest';
import type { HeldNotice, HeldNotices, NoticeBudget } from '../../lambdas/core/outcome/notice-ports.js';
import { uniqueId } from './contract-ids.js';
import { eachSubject, type MakeSubject } from './contract-subject.js';

export interface NoticeStores {
  budget: NoticeBudget;
  held: HeldNotices;
}

const at = (iso: string) => new Date(iso);

export function noticeStoresContract(make: MakeSubject<NoticeStores>): void {
  describe('notice stores contract', () => {
    let s: NoticeStores;
    let route: string;
    eachSubject(make, (made) => (s = made));
    beforeEach(() => {
      route = uniqueId('route').toLowerCase();
    });

    it('budget: perHour notices per route and UTC hour, then false; the next hour starts again', async () => {
      const hour = at('2026-01-05T10:00:00Z');
      for (let i = 0; i < 3; i++) expect(await s.budget.take(route, new Date(hour.getTime() + i * 60_000), 3)).toBe(true);
      expect(await s.budget.take(route, at('2026-01-05T10:59:59.999Z'), 3)).toBe(false);
      expect(await s.budget.used(route, hour)).toBe(3);
      expect(await s.budget.take(`${route}-b`, hour, 3)).toBe(true);
      expect(await s.budget.take(route, at('2026-01-05T11:00:00Z'), 3)).toBe(true);
      expect(await s.budget.used(route, at('2026-01-05T11:30:00Z'))).toBe(1);
      // A lower limit later in the hour counts what was already taken.
      expect(await s.budget.take(route, at('2026-01-05T11:31:00Z'), 1)).toBe(false);
    });

    it('budget: 40 drains taking at once get exactly perHour between them', async () => {
      const now = at('2026-01-05T12:00:00Z');
      const results = await Promise.all(Array.from({ length: 40 }, () => s.budget.take(route, now, 7)));
      expect(results.filter(Boolean)).toHaveLength(7);
      expect(await s.budget.used(route, now)).toBe(7);
    });

    it('budget: 0 an hour takes nothing (every notice is held)', async () => {
      expect(await s.budget.take(route, at('2026-01-05T12:00:00Z'), 0)).toBe(false);
      expect(await s.budget.used(route, at('2026-01-05T12:00:00Z'))).toBe(0);
    });

    it('held notices: kept whole, listed oldest first per route, once per message copy and kind, until removed', async () => {
      const notice = (messageId: string, iso: string, kind: HeldNotice['kind'] = 'dsn'): HeldNotice => ({
        route,
        messageId,
        copy: 'c0pyKey0001a',
        kind,
        at: at(iso),
        why: 'budget',
        to: 'alice@sender.example',
        recipients: ['nobody@example.com', 'gone@example.com'],
        raw: `From: MAILER-DAEMON@mx2.example.com\r\nSubject: Undelivered mail ${messageId}\r\n\r\n${'body line\r\n'.repeat(2000)}`,
      });
      const later = notice('m-later', '2026-01-05T10:05:00.000Z');
      const earlier = { ...notice('m-earlier', '2026-01-05T10:01:00.000Z'), why: 'paused' as const };
      await s.held.hold(later);
      await s.held.hold(earlier);
      await s.held.hold({ ...later, at: at('2026-01-05T10:06:00.000Z') }); // the same notice again: one kept
      await s.held.hold(notice('m-later', '2026-01-05T10:07:00.000Z', 'delay'));
      await s.held.hold({ ...notice('m-other-route', '2026-01-05T10:00:00.000Z'), route: `${route}-b` });
      const listed = await s.held.list(route);
      expect(listed.map((n) => `${n.messageId}/${n.kind}`)).toEqual(['m-earlier/dsn', 'm-later/dsn', 'm-later/delay']);
      // The summary: everything but the text.
      const { raw: earlierText, ...earlierSummary } = earlier;
      expect(listed[0]).toEqual(earlierSummary);
      expect(await s.held.text(route, 'm-earlier', earlier.copy, 'dsn')).toBe(earlierText);
      expect(await s.held.text(route, 'm-later', later.copy, 'delay')).toBe(notice('m-later', '2026-01-05T10:07:00.000Z', 'delay').raw);
      expect(await s.held.text(route, 'm-later', 'another-copy', 'dsn')).toBeUndefined();
      expect(await s.held.count(route)).toBe(3);
      await s.held.remove(route, 'm-later', later.copy, 'dsn');
      await s.held.remove(route, 'never-held', later.copy, 'dsn');
      expect((await s.held.list(route)).map((n) => `${n.messageId}/${n.kind}`)).toEqual(['m-earlier/dsn', 'm-later/delay']);
      expect(await s.held.text(route, 'm-later', later.copy, 'dsn')).toBeUndefined();
      expect(await s.held.count(route)).toBe(2);
      expect(await s.held.count(`${route}-b`)).toBe(1);
      expect(await s.held.count(`${route}-none`)).toBe(0);
    });
  });
}
