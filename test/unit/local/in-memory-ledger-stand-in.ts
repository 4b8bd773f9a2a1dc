// A minimal Ledger for the spool tests (the shared fakes may not exist yet);
// only outcomes() matters to restoreSpool.
import type { RecipientState } from '../../../lambdas/core/model.js';
import type { Ledger } from '../../../lambdas/core/outcome/ports.js';

export class InMemoryLedgerStandIn implements Ledger {
  private readonly states = new Map<string, Map<string, RecipientState>>();

  set(messageId: string, recipient: string, state: RecipientState): void {
    const forMessage = this.states.get(messageId) ?? new Map<string, RecipientState>();
    forMessage.set(recipient, state);
    this.states.set(messageId, forMessage);
  }

  async outcomes(messageId: string) {
    const result = new Map();
    for (const [recipient, state] of this.states.get(messageId) ?? []) {
      result.set(recipient, { recipient, state, attempts: 1, updatedAt: new Date(0) });
    }
    return result;
  }

  async record(): Promise<void> {}
  async addAttempt(): Promise<void> {}
  async attempts() {
    return [];
  }
}
