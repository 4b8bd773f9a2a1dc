// What every Ledger must do: one outcome per (message, recipient), the
// latest write winning, and attempts kept in time order.
import { describe, expect, it } from 'vitest';
import { eachSubject, type MakeSubject } from './contract-subject.js';
import type { AttemptRecord, RecipientOutcome } from '../../lambdas/core/model.js';
import type { Ledger } from '../../lambdas/core/outcome/ports.js';
import { uniqueId } from './contract-ids.js';

export function ledgerContract(make: MakeSubject<Ledger>): void {
  describe('Ledger contract', () => {
    let subject: Ledger;
    eachSubject(make, (made) => (subject = made));

    const delivered = (recipient: string, at = '2026-01-05T10:00:00.000Z'): RecipientOutcome => ({
      recipient,
      state: 'delivered',
      reply: { code: 250, enhanced: '2.0.0', text: '250 2.0.0 Ok: queued as 4ABC' },
      attempts: 1,
      updatedAt: new Date(at),
    });

    it('outcomesFor (where offered) reads the same rows by key, concurrent reads of many messages included', async () => {
      if (!subject.outcomesFor) return; // optional: the drain falls back to outcomes()
      const ids = Array.from({ length: 30 }, (_, i) => uniqueId(`for${i}`));
      await Promise.all(ids.map((id) => subject.record(id, delivered('a@example.com'))));
      const reads = await Promise.all(ids.map((id) => subject.outcomesFor!(id, ['a@example.com', 'never@example.com'])));
      for (const read of reads) expect([...read.entries()]).toEqual([['a@example.com', delivered('a@example.com')]]);
      // Two reads of one message at once, and a read right after a write: both see the write.
      const id = ids[0]!;
      const [x, y] = await Promise.all([subject.outcomesFor(id, ['a@example.com']), subject.outcomesFor(id, ['a@example.com'])]);
      expect(x).toEqual(y);
      await subject.record(id, { ...delivered('a@example.com'), state: 'bounced', attempts: 2 });
      expect((await subject.outcomesFor(id, ['a@example.com'])).get('a@example.com')?.state).toBe('bounced');
      expect((await subject.outcomesFor(uniqueId('none'), ['a@example.com'])).size).toBe(0);
    });

    it('recordAttempts: every attempt of a run is in attempts(), oldest first, and a later record() keeps them', async () => {
      if (!subject.recordAttempts) return; // optional: the drain falls back to record + addAttempt
      const id = uniqueId('fold');
      const at = (minute: number) => new Date(Date.UTC(2026, 0, 5, 10, minute));
      const attempt = (recipient: string, minute: number, code: number): AttemptRecord => ({
        messageId: id, recipient, at: at(minute), relay: 'mx:25', state: code < 300 ? 'delivered' : 'deferred', reply: { code, text: `${code} reply` }, delaySeconds: minute * 60,
      });
      const outcomeOf = (a: AttemptRecord, attempts: number): RecipientOutcome => ({ recipient: a.recipient, state: a.state, reply: a.reply, attempts, updatedAt: a.at });
      const tries: AttemptRecord[] = [];
      // Four deferrals and a delivery for a, one delivery for b, a read before each write as the drain does.
      for (let n = 0; n < 5; n++) {
        if (subject.outcomesFor) await subject.outcomesFor(id, ['a@example.com', 'b@example.com']);
        else await subject.outcomes(id);
        const a = attempt('a@example.com', n, n < 4 ? 451 : 250);
        const entries = [{ outcome: outcomeOf(a, n + 1), attempt: a }];
        tries.push(a);
        if (n === 0) {
          const b = attempt('b@example.com', 0, 250);
          entries.push({ outcome: outcomeOf(b, 1), attempt: b });
          tries.push(b);
        }
        await subject.recordAttempts(id, entries);
      }
      const expected = [...tries].sort((x, y) => x.at.getTime() - y.at.getTime());
      const attempts = await subject.attempts(id);
      expect(attempts).toHaveLength(6);
      expect(attempts.map((x) => x.at.getTime())).toEqual(expected.map((x) => x.at.getTime()));
      expect(attempts).toEqual(expect.arrayContaining(expected));
      expect((await subject.outcomes(id)).get('a@example.com')).toMatchObject({ state: 'delivered', attempts: 5 });
      // A later outcome for a recipient (a bounce notice, an expiry, a requeue) keeps its history.
      await subject.record(id, { recipient: 'b@example.com', state: 'queued', attempts: 0, updatedAt: at(30) });
      expect(await subject.attempts(id)).toHaveLength(6);
      // Written with no read before it (another run), an attempt is kept too.
      const late = attempt('b@example.com', 31, 250);
      await subject.recordAttempts(id, [{ outcome: outcomeOf(late, 1), attempt: late }]);
      expect(await subject.attempts(id)).toHaveLength(7);
    });

    it('has no outcomes for an unknown message', async () => {
      const outcomes = await subject.outcomes(uniqueId('none'));
      expect(outcomes.size).toBe(0);
    });

    it('returns each recorded outcome by recipient', async () => {
      const id = uniqueId('msg');
      await subject.record(id, delivered('a@example.com'));
      await subject.record(id, { recipient: 'b@example.com', state: 'queued', attempts: 0, updatedAt: new Date('2026-01-05T09:00:00.000Z') });
      const outcomes = await subject.outcomes(id);
      expect([...outcomes.keys()].sort()).toEqual(['a@example.com', 'b@example.com']);
      expect(outcomes.get('a@example.com')).toEqual(delivered('a@example.com'));
      expect(outcomes.get('b@example.com')).toEqual({
        recipient: 'b@example.com',
        state: 'queued',
        attempts: 0,
        updatedAt: new Date('2026-01-05T09:00:00.000Z'),
      });
    });

    it('lets the latest write for a recipient win', async () => {
      const id = uniqueId('msg');
      await subject.record(id, {
        recipient: 'a@example.com',
        state: 'deferred',
        reply: { code: 451, text: '451 4.3.0 try later' },
        attempts: 1,
        updatedAt: new Date('2026-01-05T10:00:00.000Z'),
      });
      await subject.record(id, { ...delivered('a@example.com', '2026-01-05T10:05:00.000Z'), attempts: 2 });
      const outcome = (await subject.outcomes(id)).get('a@example.com');
      expect(outcome?.state).toBe('delivered');
      expect(outcome?.attempts).toBe(2);
      expect(outcome?.reply?.code).toBe(250);
    });

    it("keeps where a bounced recipient's notice stands (due, pending, then done)", async () => {
      const id = uniqueId('notice');
      const bounced: RecipientOutcome = { recipient: 'gone@example.com', state: 'bounced', reply: { code: 550, enhanced: '5.1.1', text: 'User unknown' }, attempts: 1, updatedAt: new Date('2026-01-05T10:00:00.000Z'), notice: 'due' };
      await subject.record(id, bounced);
      expect((await subject.outcomes(id)).get('gone@example.com')).toEqual(bounced); // waiting for the end of its pass
      await subject.record(id, { ...bounced, notice: 'pending' });
      expect((await subject.outcomes(id)).get('gone@example.com')).toEqual({ ...bounced, notice: 'pending' });
      await subject.record(id, { ...bounced, notice: 'done' });
      expect((await subject.outcomes(id)).get('gone@example.com')?.notice).toBe('done');
      await subject.record(id, { ...delivered('bob@example.com') });
      expect((await subject.outcomes(id)).get('bob@example.com')).not.toHaveProperty('notice');
    });

    it('keeps messages apart, even when one id prefixes another', async () => {
      const id = uniqueId('msg');
      await subject.record(id, delivered('a@example.com'));
      await subject.record(`${id}0`, delivered('z@example.com'));
      expect([...(await subject.outcomes(id)).keys()]).toEqual(['a@example.com']);
    });

    it('round-trips unusual addresses and network errors without a code', async () => {
      const id = uniqueId('msg');
      const recipients = ["o'neil+tag@example.com", 'jörg@例え.jp', '"quoted local"@example.com'];
      for (const recipient of recipients) {
        await subject.record(id, {
          recipient,
          state: 'deferred',
          reply: { text: 'connection reset', errorCode: 'ECONNECTION' },
          attempts: 3,
          updatedAt: new Date('2026-01-05T10:00:00.000Z'),
        });
      }
      const outcomes = await subject.outcomes(id);
      expect([...outcomes.keys()].sort()).toEqual([...recipients].sort());
      expect(outcomes.get('jörg@例え.jp')?.reply).toEqual({ text: 'connection reset', errorCode: 'ECONNECTION' });
    });

    it('returns attempts oldest first, only for the message asked', async () => {
      const id = uniqueId('msg');
      const attempt = (at: string, recipient: string, code: number): AttemptRecord => ({
        messageId: id,
        recipient,
        at: new Date(at),
        relay: 'mx1.example.com[192.0.2.1]:25',
        state: code < 300 ? 'delivered' : 'deferred',
        reply: { code, text: `${code} reply` },
        delaySeconds: 42,
      });
      const later = attempt('2026-01-05T11:00:00.000Z', 'a@example.com', 250);
      const earlier = attempt('2026-01-05T10:00:00.000Z', 'a@example.com', 451);
      const other = attempt('2026-01-05T10:00:00.000Z', 'b@example.com', 451);
      await subject.addAttempt(later);
      await subject.addAttempt(earlier);
      await subject.addAttempt(other);
      await subject.addAttempt({ ...earlier, messageId: uniqueId('other') });
      const attempts = await subject.attempts(id);
      expect(attempts).toHaveLength(3);
      expect(attempts[2]).toEqual(later);
      expect(attempts.slice(0, 2)).toEqual(expect.arrayContaining([earlier, other]));
      expect(await subject.outcomes(id)).toEqual(new Map());
    });
  });
}
