// After a requeue or delete: says how many of the messages' copies went from
// the SQS dead-letter queue (the use case removed them). Finding none is not
// an error (removed earlier, or hidden by another reader for a moment);
// failing to reach the DLQ is only a warning, since the requeue or delete is done.
import type { CopyCleanup } from '../lambdas/core/operator/dead-letter-cleanup.js';
import type { DeadLetterCopyKey } from '../lambdas/core/operator/mail-ports.js';
import type { CliIo } from './cli-io.js';

/** Prints what the removal did; returns how many copies were removed. */
export function printCopyCleanup(cleanup: CopyCleanup, io: CliIo): number {
  const keys = cleanup.wanted;
  if (keys.length === 0) return 0;
  if ('error' in cleanup) {
    const e = cleanup.error;
    io.err(
      `dead-letter queue: could not remove the copies (${e.name}: ${e.message}); that is all that is left undone, ` +
        'but the dead-letter queue alarm stays up until they are removed (AWS console or `aws sqs delete-message`)',
    );
    return 0;
  }
  const { result } = cleanup;
  const name = (k: DeadLetterCopyKey) => (k.route !== undefined && keys.some((o) => o.messageId === k.messageId && o !== k) ? `${k.messageId} (route ${k.route})` : k.messageId);
  const total = result.removed.reduce((a, b) => a + b, 0);
  const found = new Set(keys.filter((_, i) => result.removed[i]! > 0).map((k) => k.messageId)).size; // a message's copies count once
  if (total > 0) {
    io.out(`dead-letter queue: removed ${total} cop${total === 1 ? 'y' : 'ies'} of ${found} message${found === 1 ? '' : 's'}`);
  }
  keys.forEach((key, i) => {
    if (result.removed[i] === 0 && key.expected !== false) {
      io.out(`dead-letter queue: no copy of ${name(key)} found (removed earlier, or being read by someone else): nothing to remove, not an error`);
    }
  });
  if (!result.complete) {
    io.err(`dead-letter queue: stopped after looking at ${result.scanned} messages; copies may remain there: see them in the AWS console`);
  }
  return total;
}
