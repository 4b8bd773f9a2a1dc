// What the grouped BatchGetItem reader and BatchWriteItem writer share: an
// idle batcher sends after the current turn of the event loop (so callers
// asking in the same turn share one call), and whatever DynamoDB leaves
// unprocessed is sent again with a growing pause until a round limit; what is
// still left then is answered, so each caller is told about its own items only.

/** Runs `task` once after the current turn of the event loop, however often it is asked for in that turn. */
export class NextTurn {
  private pending = false;

  constructor(private readonly task: () => void) {}

  request(): void {
    if (this.pending) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      this.task();
    });
  }
}

/**
 * Sends `pending` with `send`, which answers what is still unprocessed, until
 * nothing is; waits 50 ms, 100 ms … (at most 1 s) before each further round.
 * Returns what is still unprocessed after `retries` further rounds (empty when
 * all went through): the caller fails only the requests those belong to. A
 * `send` that throws ends it (nothing is known about that call's items).
 */
export async function untilProcessed<T>(
  pending: T[],
  send: (batch: T[]) => Promise<T[]>,
  options: { retries: number; sleep: (ms: number) => Promise<void> },
): Promise<T[]> {
  for (let round = 0; pending.length > 0; round++) {
    if (round > 0) {
      if (round > options.retries) return pending;
      await options.sleep(Math.min(1_000, 25 * 2 ** round));
    }
    pending = await send(pending);
  }
  return pending;
}
