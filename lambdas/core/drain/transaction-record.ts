// The replies of one SMTP transaction, written to the ledger at once right
// after it (one batch write where the ledger allows), retried with backoff:
// a write lost after the primary's 2xx means sending the message again.
import type { EngineDeps, EngineOptions } from './drain-deps.js';
import type { AttemptRecord, Disposition, InboundMessage, RecipientOutcome, Route, SmtpReply } from '../model.js';
import type { TransactionResult } from './ports.js';
import { classifyReply, dsnStatus, formatReply } from '../policy/smtp-reply-classifier.js';

/** Waits between tries of the ledger write after a transaction (then the error leaves the message for retry). */
export const LEDGER_WRITE_RETRY_MS = [100, 400, 1600];

export interface TransactionEntry {
  recipient: string;
  state: Disposition;
  reply: SmtpReply;
  attempts: number;
  outcome?: RecipientOutcome;
  attempt: AttemptRecord;
}

/** Runs `write`, trying again after each of `waitsMs` when it throws (then the last error is thrown). */
export async function withRetries<T>(waitsMs: number[], write: (tryNumber: number) => Promise<T>): Promise<T> {
  for (let tryNumber = 0; ; tryNumber++) {
    try {
      return await write(tryNumber);
    } catch (error) {
      const wait = waitsMs[tryNumber];
      if (wait === undefined) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

export class TransactionRecorder {
  constructor(
    private readonly deps: EngineDeps,
    private readonly options: EngineOptions,
  ) {}

  /**
   * Writes the replies of one transaction at once, right after it (one batch
   * write where the ledger allows; retried with backoff, since a lost write
   * after a 2xx means sending the message again). A bounce's outcome waits for
   * its notice in `settle`. Logs one line per recipient.
   */
  async record(route: Route, message: InboundMessage, previous: Map<string, RecipientOutcome>, result: TransactionResult): Promise<TransactionEntry[]> {
    const { clock, ledger, log, metrics } = this.deps;
    const at = clock.now();
    const delaySeconds = Math.max(0, Math.round((at.getTime() - message.receivedAt.getTime()) / 1000));
    const relay = `${route.primary.host}:${route.primary.port}`;
    const entries: TransactionEntry[] = result.replies.map(({ recipient, reply }) => {
      const state = classifyReply(reply);
      const attempts = (previous.get(recipient)?.attempts ?? 0) + 1;
      return {
        recipient, state, reply, attempts,
        outcome: state === 'bounced' ? undefined : { recipient, state, reply, attempts, updatedAt: at },
        attempt: { messageId: message.messageId, recipient, at, relay, state, reply, delaySeconds },
      };
    });
    if (entries.length === 0) return entries;
    await withRetries(this.options.ledgerWriteRetryMs ?? LEDGER_WRITE_RETRY_MS, (tryNumber) => {
      if (tryNumber > 0) log.warn('ledger write failed; trying again', { messageId: message.messageId, try: tryNumber + 1 });
      return this.writeEntries(message.messageId, entries);
    });
    for (const { recipient, state, reply } of entries) {
      log.attempt({ messageId: message.messageId, recipient, relay, delaySeconds, dsn: dsnStatus(reply), status: state, reply: formatReply(reply), route: route.name });
      metrics.count(state === 'delivered' ? 'Delivered' : state === 'deferred' ? 'Deferred' : 'Bounced', 1, route.name);
      if (state === 'delivered') metrics.delay(delaySeconds, route.name);
    }
    return entries;
  }

  private async writeEntries(messageId: string, entries: TransactionEntry[]): Promise<void> {
    const { ledger } = this.deps;
    if (ledger.recordAttempts) {
      await ledger.recordAttempts(messageId, entries.map(({ outcome, attempt }) => (outcome ? { outcome, attempt } : { attempt })));
      return;
    }
    for (const { outcome, attempt } of entries) {
      if (outcome) await ledger.record(messageId, outcome);
      await ledger.addAttempt(attempt);
    }
  }
}
