// What the feature stores must do (core/accept, outcome, operator and sweep ports.ts), run on the fakes
// and on the DynamoDB adapters: the trigger gate lets one caller per interval
// through, the archive lists a route's window across day boundaries (and an
// empty or inverted window), a delay notice is claimed once.
import { beforeEach, describe, expect, it } from 'vitest';
import type { DelayNotices } from '../../lambdas/core/outcome/ports.js';
import type { EnvelopeArchive } from '../../lambdas/core/accept/ports.js';
import type { TriggerGate } from '../../lambdas/core/operator/ports.js';
import { copyKeyOf } from '../../lambdas/core/message/message-copy.js';
import { uniqueId } from './contract-ids.js';
import { eachSubject, type MakeSubject } from './contract-subject.js';

export interface FeatureStores {
  gate: TriggerGate;
  archive: EnvelopeArchive;
  notices: DelayNotices;
}

const at = (iso: string) => new Date(iso);

export function featureStoresContract(make: MakeSubject<FeatureStores>): void {
  describe('feature stores contract', () => {
    let s: FeatureStores;
    let route: string;
    eachSubject(make, (made) => (s = made));
    beforeEach(() => {
      route = uniqueId('route').replace(/[^a-z0-9-]/gi, '').toLowerCase();
    });

    // The signed Unix timestamp of a call made at `iso`.
    const ts = (iso: string) => Date.parse(iso) / 1000;

    it('trigger gate: one claim per interval, per route; concurrent claims let exactly one through', async () => {
      expect(await s.gate.claim(route, ts('2026-01-05T10:00:00Z'), at('2026-01-05T10:00:00Z'), 10)).toEqual({ passed: true });
      expect(await s.gate.claim(route, ts('2026-01-05T10:00:09Z'), at('2026-01-05T10:00:09Z'), 10)).toEqual({ passed: false, why: 'too-soon', retryAfterSeconds: 1 });
      expect(await s.gate.claim(`${route}-b`, ts('2026-01-05T10:00:09Z'), at('2026-01-05T10:00:09Z'), 10)).toEqual({ passed: true });
      expect(await s.gate.claim(route, ts('2026-01-05T10:00:10Z'), at('2026-01-05T10:00:10Z'), 10)).toEqual({ passed: true });
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => s.gate.claim(route, ts('2026-01-05T10:01:00Z') + i, at('2026-01-05T10:01:00Z'), 10)));
      expect(results.filter((r) => r.passed)).toHaveLength(1);
    });

    it('trigger gate: a timestamp not newer than the last accepted one never passes, however long after (a replay)', async () => {
      expect((await s.gate.claim(route, 1_767_607_200, at('2026-01-05T10:00:00Z'), 10)).passed).toBe(true);
      // The same signed call again, later: refused as a replay, and it records nothing.
      expect(await s.gate.claim(route, 1_767_607_200, at('2026-01-05T10:03:00Z'), 10)).toEqual({ passed: false, why: 'not-newer' });
      expect(await s.gate.claim(route, 1_767_607_199, at('2026-01-05T10:04:00Z'), 10)).toEqual({ passed: false, why: 'not-newer' });
      // A newer call passes; then the one before it is old news too.
      expect((await s.gate.claim(route, 1_767_607_201, at('2026-01-05T10:04:00Z'), 10)).passed).toBe(true);
      expect(await s.gate.claim(route, 1_767_607_201, at('2026-01-05T10:05:00Z'), 10)).toEqual({ passed: false, why: 'not-newer' });
      // With no interval at all, the timestamp alone still refuses the replay.
      expect(await s.gate.claim(route, 1_767_607_201, at('2026-01-05T10:06:00Z'), 0)).toEqual({ passed: false, why: 'not-newer' });
    });

    it('archive: lists the window [since, until) oldest first, across days, only for the route; keeping twice keeps one', async () => {
      const times = ['2026-01-04T23:59:59.000Z', '2026-01-05T00:00:00.000Z', '2026-01-06T12:00:00.000Z', '2026-01-07T00:00:00.000Z'];
      for (const [i, t] of times.entries()) {
        const envelope = { messageId: `m${i}`, route, receivedAt: at(t), notification: `{"n":${i}}` };
        await s.archive.keep(envelope, at('2026-03-01T00:00:00Z'));
        await s.archive.keep(envelope, at('2026-03-01T00:00:00Z'));
      }
      await s.archive.keep({ messageId: 'other', route: `${route}-x`, receivedAt: at(times[1]!), notification: '{}' }, at('2026-03-01T00:00:00Z'));
      const listed = await s.archive.list(route, at('2026-01-04T23:59:59.000Z'), at('2026-01-07T00:00:00.000Z'));
      expect(listed.map((e) => e.messageId)).toEqual(['m0', 'm1', 'm2']);
      expect(listed[2]).toEqual({ messageId: 'm2', route, receivedAt: at(times[2]!), notification: '{"n":2}' });
      expect(await s.archive.list(route, at('2026-01-08T00:00:00Z'), at('2026-01-01T00:00:00Z'))).toEqual([]);
      expect(await s.archive.list(route, at(times[1]!), at(times[1]!))).toEqual([]);
    });

    it('archive: keeps one envelope per copy of a message (split receipt rules), listed together', async () => {
      const receivedAt = at('2026-01-05T10:00:00.000Z');
      const a1 = { messageId: 'split', route, receivedAt, notification: '{"rcpt":"a1"}', copy: copyKeyOf(['a1@example.com']) };
      const b1 = { ...a1, notification: '{"rcpt":"b1"}', copy: copyKeyOf(['b1@example.com']) };
      await s.archive.keep(a1, at('2026-03-01T00:00:00Z'));
      await s.archive.keep(b1, at('2026-03-01T00:00:00Z'));
      await s.archive.keep(b1, at('2026-03-01T00:00:00Z')); // an SNS retry of one copy
      const listed = await s.archive.list(route, at('2026-01-05T00:00:00Z'), at('2026-01-06T00:00:00Z'));
      expect(listed.map((e) => e.notification).sort()).toEqual(['{"rcpt":"a1"}', '{"rcpt":"b1"}']);
      expect(listed.find((e) => e.copy === b1.copy)).toEqual(b1);
    });

    it('delay notices: claimed once per message and route; a released claim can be claimed again', async () => {
      const record = { messageId: uniqueId('msg'), route, at: at('2026-01-05T14:00:00Z'), recipients: ['bob@example.com'] };
      expect(await s.notices.get(record.messageId, route)).toBeUndefined();
      expect(await s.notices.claim(record)).toBe(true);
      expect(await s.notices.claim({ ...record, at: at('2026-01-05T15:00:00Z') })).toBe(false);
      expect(await s.notices.claim({ ...record, route: `${route}-b` })).toBe(true);
      expect(await s.notices.get(record.messageId, route)).toEqual(record);
      await s.notices.release(record.messageId, route);
      expect(await s.notices.get(record.messageId, route)).toBeUndefined();
      expect(await s.notices.claim(record)).toBe(true);
    });

    it("delay notices: each copy of a split message has its own claim; find lists the route's copies only", async () => {
      const messageId = uniqueId('msg');
      const a = { messageId, route, copy: copyKeyOf(['a1@example.com']), at: at('2026-01-05T14:00:00Z'), recipients: ['a1@example.com'] };
      const b = { ...a, copy: copyKeyOf(['b1@example.com']), recipients: ['b1@example.com'], at: at('2026-01-05T14:05:00Z') };
      expect(await s.notices.claim(a)).toBe(true);
      expect(await s.notices.claim(b)).toBe(true);
      expect(await s.notices.claim({ ...a, at: at('2026-01-05T16:00:00Z') })).toBe(false);
      // A route whose name starts with this one's is another route.
      expect(await s.notices.claim({ ...a, route: `${route}b` })).toBe(true);
      const found = await s.notices.find(messageId, route);
      expect(found.map((r) => r.copy).sort()).toEqual([a.copy, b.copy].sort());
      expect(found.find((r) => r.copy === b.copy)).toEqual(b);
      expect(await s.notices.get(messageId, route, b.copy)).toEqual(b);
      await s.notices.release(messageId, route, a.copy);
      expect((await s.notices.find(messageId, route)).map((r) => r.copy)).toEqual([b.copy]);
      expect(await s.notices.get(messageId, route)).toEqual(b); // no copy asked: the route's first
    });
  });
}
