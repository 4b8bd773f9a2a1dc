// The per-recipient ledger and attempt history in memory.
import type { AttemptRecord, RecipientOutcome } from '../../core/model.js';
import type { Ledger } from '../../core/outcome/ports.js';
import type { FaultInjector } from './fault-injector.js';

export class InMemoryLedger implements Ledger {
  private readonly byMessage = new Map<string, Map<string, RecipientOutcome>>();
  private readonly history: AttemptRecord[] = [];
  /** Every record() call in order: (messageId, outcome). */
  readonly writes: { messageId: string; outcome: RecipientOutcome }[] = [];
  failNext: Partial<Record<'outcomes' | 'record' | 'addAttempt', Error>> = {};
  /** Seeded failures per operation (`ledger.outcomes`, `ledger.record`, ...). */
  faults?: FaultInjector;
  /** False keeps `writes` empty (scale tests). */
  recordCalls = true;

  async outcomes(messageId: string): Promise<Map<string, RecipientOutcome>> {
    this.throwIfFailing('outcomes');
    const found = this.byMessage.get(messageId) ?? new Map<string, RecipientOutcome>();
    return new Map([...found].map(([k, v]) => [k, structuredClone(v)]));
  }

  async record(messageId: string, outcome: RecipientOutcome): Promise<void> {
    this.throwIfFailing('record');
    const outcomes = this.byMessage.get(messageId) ?? new Map<string, RecipientOutcome>();
    outcomes.set(outcome.recipient, structuredClone(outcome));
    this.byMessage.set(messageId, outcomes);
    if (this.recordCalls) this.writes.push({ messageId, outcome: structuredClone(outcome) });
  }

  async addAttempt(attempt: AttemptRecord): Promise<void> {
    this.throwIfFailing('addAttempt');
    this.history.push(structuredClone(attempt));
  }

  /** Same as record + addAttempt per entry, in order (failNext applies as for those). */
  async recordAttempts(messageId: string, entries: { outcome?: RecipientOutcome; attempt: AttemptRecord }[]): Promise<void> {
    this.faults?.check('ledger.recordAttempts');
    for (const { outcome, attempt } of entries) {
      if (outcome) await this.record(messageId, outcome);
      await this.addAttempt(attempt);
    }
  }

  async attempts(messageId: string): Promise<AttemptRecord[]> {
    return this.history
      .filter((a) => a.messageId === messageId)
      .sort((a, b) => a.at.getTime() - b.at.getTime())
      .map((a) => structuredClone(a));
  }

  /** Test helper: the recorded state of one recipient. */
  stateOf(messageId: string, recipient: string): RecipientOutcome['state'] | undefined {
    return this.byMessage.get(messageId)?.get(recipient)?.state;
  }

  private throwIfFailing(op: keyof InMemoryLedger['failNext']): void {
    const error = this.failNext[op];
    if (error) {
      delete this.failNext[op];
      throw error;
    }
    this.faults?.check(`ledger.${op}`);
  }
}
