// After a requeue or delete: removes the messages' copies from the SQS
// dead-letter queue and says how many went. Finding none is not an error
// (removed earlier, or hidden by another reader for a moment); failing to
// reach the DLQ is only a warning, since the requeue or delete is done.
import type { CliIo } from './cli-io.js';
import { DeadLetterQueue, type CopyKey } from './dead-letter-queue.js';
import type { Target } from './target.js';

/** A copy to remove; `expected: false` when its absence is not worth a line (the message was never dead-lettered). */
export type WantedCopy = CopyKey & { expected?: boolean };

/** Returns how many copies were removed. */
export async function removeDeadLetterCopies(target: Target, keys: WantedCopy[], io: CliIo): Promise<number> {
  if (keys.length === 0) return 0;
  const name = (k: CopyKey) => (k.route !== undefined && keys.some((o) => o.messageId === k.messageId && o !== k) ? `${k.messageId} (route ${k.route})` : k.messageId);
  try {
    const result = await DeadLetterQueue.of(target).removeCopies(keys.map(({ expected: _e, ...key }) => key));
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
  } catch (error) {
    const e = error as Error;
    io.err(
      `dead-letter queue: could not remove the copies (${e.name}: ${e.message}); that is all that is left undone, ` +
        'but the dead-letter queue alarm stays up until they are removed (AWS console or `aws sqs delete-message`)',
    );
    return 0;
  }
}
