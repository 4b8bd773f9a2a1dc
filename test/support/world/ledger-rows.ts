// Puts a recipient's state in a ledger as a finished pass would have left it,
// for tests that only need the ledger to answer outcomes() (the spool restore).
import type { InMemoryLedger } from '../../../lambdas/adapters/fakes/index.js';
import type { RecipientState } from '../../../lambdas/core/model.js';

export function setOutcome(ledger: InMemoryLedger, messageId: string, recipient: string, state: RecipientState): Promise<void> {
  return ledger.record(messageId, { recipient, state, attempts: 1, updatedAt: new Date(0) });
}
