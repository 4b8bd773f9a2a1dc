// After a requeue or delete: removes the messages' copies from the SQS
// dead-letter queue. Failing to reach the DLQ is not a failure of the action
// (the record is handled); the caller tells the operator what is left.
import type { CopyRemoval, DeadLetterCopyKey, DeadLetterQueue } from './mail-ports.js';

/** A copy to remove; `expected: false` when its absence is not worth a word (the message was never dead-lettered). */
export type WantedCopy = DeadLetterCopyKey & { expected?: boolean };

/** What the removal did: its result, or the error that kept it from the queue. */
export type CopyCleanup = { wanted: WantedCopy[] } & ({ result: CopyRemoval } | { error: Error });

export async function removeDeadLetterCopies(dlq: DeadLetterQueue, wanted: WantedCopy[]): Promise<CopyCleanup> {
  if (wanted.length === 0) return { wanted, result: { removed: [], scanned: 0, complete: true } };
  try {
    return { wanted, result: await dlq.removeCopies(wanted.map(({ expected: _e, ...key }) => key)) };
  } catch (error) {
    return { wanted, error: error as Error };
  }
}
