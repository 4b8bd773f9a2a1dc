// The SQS dead-letter queue in memory: each copy as the facts its attributes
// or body give (what the SQS adapter reads), matched by the same rule.
import { isCopyOf, type DeadLetterCopyFacts } from '../../core/operator/dead-letter-copy-match.js';
import type { CopyRemoval, DeadLetterCopyKey, DeadLetterQueue } from '../../core/operator/mail-ports.js';

/** As lambdas/config/mail-layout.ts lays raw mail out (fakes import no wiring). */
const routePrefix = (route: string) => `mail/${route}/`;

export class InMemoryDeadLetterQueue implements DeadLetterQueue {
  readonly copies: DeadLetterCopyFacts[] = [];
  /** While set, every call rejects with it (the DLQ cannot be read). */
  failWith?: Error;

  /** Test helper: a copy as the drain (with attributes) or SQS redrive (object key only) puts it. */
  add(copy: DeadLetterCopyFacts): void {
    this.copies.push({ ...copy });
  }

  async depth(): Promise<number> {
    if (this.failWith) throw this.failWith;
    return this.copies.length;
  }

  async removeCopies(wanted: DeadLetterCopyKey[]): Promise<CopyRemoval> {
    if (this.failWith) throw this.failWith;
    // As SQS's adapter: nothing wanted, nothing received.
    if (wanted.length === 0) return { removed: [], scanned: 0, complete: true };
    const removed = wanted.map(() => 0);
    const scanned = this.copies.length;
    for (let i = this.copies.length - 1; i >= 0; i--) {
      const index = wanted.findIndex((key) => isCopyOf(this.copies[i]!, key, routePrefix));
      if (index < 0) continue;
      removed[index]! += 1;
      this.copies.splice(i, 1);
    }
    return { removed, scanned, complete: true };
  }
}
