// What every LedgerPurge must do (`delete`): forget the named recipients'
// outcomes and attempts of one message, and nothing else.
import { describe, expect, it } from 'vitest';
import type { AttemptRecord, RecipientOutcome } from '../../lambdas/core/model.js';
import type { LedgerPurge } from '../../lambdas/core/operator/mail-ports.js';
import type { Ledger } from '../../lambdas/core/outcome/ports.js';
import { uniqueId } from './contract-ids.js';
import { eachSubject, type MakeSubject } from './contract-subject.js';

export interface LedgerPurgeSubject {
  /** The ledger the purge works on (the same rows). */
  ledger: Ledger;
  purge: LedgerPurge;
}

export function ledgerPurgeContract(make: MakeSubject<LedgerPurgeSubject>): void {
  describe('LedgerPurge contract', () => {
    let subject: LedgerPurgeSubject;
    eachSubject(make, (made) => (subject = made));

    const outcome = (recipient: string): RecipientOutcome => ({
      recipient,
      state: 'dead-lettered',
      reply: { text: 'deleted by an operator (backup-mx delete)' },
      attempts: 1,
      updatedAt: new Date('2026-01-05T10:00:00.000Z'),
    });
    const attempt = (messageId: string, recipient: string, second = 0): AttemptRecord => ({
      messageId,
      recipient,
      at: new Date(Date.UTC(2026, 0, 5, 10, 0, second)),
      relay: 'mail.example.com:25',
      state: 'deferred',
      delaySeconds: 60,
      reply: { code: 451, text: '451 4.3.0 try later' },
    });

    it('forgets the named recipients\' outcomes and attempts and keeps the others\' and other messages\'', async () => {
      const id = uniqueId('m');
      const other = uniqueId('m');
      for (const r of ['a@example.com', 'b@example.com']) {
        await subject.ledger.record(id, outcome(r));
        await subject.ledger.addAttempt(attempt(id, r));
      }
      await subject.ledger.record(other, outcome('a@example.com'));
      expect(await subject.purge.purge(id, ['a@example.com'])).toBeGreaterThan(0);
      expect([...(await subject.ledger.outcomes(id)).keys()]).toEqual(['b@example.com']);
      expect((await subject.ledger.attempts(id)).map((a) => a.recipient)).toEqual(['b@example.com']);
      expect([...(await subject.ledger.outcomes(other)).keys()]).toEqual(['a@example.com']);
      expect(await subject.purge.purge(id, ['a@example.com'])).toBe(0);
    });

    // BatchWriteItem takes at most 25 requests: a message with more rows goes in several.
    it('forgets more rows than one batch write takes (25)', async () => {
      const id = uniqueId('m');
      const recipients = Array.from({ length: 30 }, (_, i) => `r${i}@example.com`);
      for (const r of recipients) {
        await subject.ledger.record(id, outcome(r));
        await subject.ledger.addAttempt(attempt(id, r, 1));
      }
      expect(await subject.purge.purge(id, recipients)).toBeGreaterThan(25);
      expect((await subject.ledger.outcomes(id)).size).toBe(0);
      expect(await subject.ledger.attempts(id)).toEqual([]);
    });
  });
}
