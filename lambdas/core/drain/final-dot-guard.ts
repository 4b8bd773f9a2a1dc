// The end of a drain's budget, for a transaction already under way: the drain
// starts none after its deadline, but one that started just before may still
// be in MAIL, RCPT, DATA or the body, each step allowed a whole SMTP timeout.
// Its final dot goes out at most FINAL_DOT_GRACE_SECONDS after the deadline;
// later, the body fails before its end, so the transport never sends the dot
// and the primary keeps nothing (the message is deferred and tried again later).
// What comes after a dot is bounded: one reply wait (the SMTP timeout), then
// the records. So the Lambda's timeout minus the budget must cover
// grace + SMTP timeout + the after-reply work (settings.ts drainReserveSeconds):
// a Lambda killed between the dot and its recorded reply would deliver twice.
import { Readable } from 'node:stream';
import type { Clock } from '../runtime/ports.js';

/** Seconds after the deadline a transaction already started may still send its final dot. */
export const FINAL_DOT_GRACE_SECONDS = 30;

export class FinalDotTooLateError extends Error {
  constructor(readonly lastDotAt: Date) {
    super(`the drain's time was up before the final dot (due by ${lastDotAt.toISOString()}): not sent, tried again later`);
    this.name = 'FinalDotTooLateError';
  }
}

/** `source` unchanged, failing with FinalDotTooLateError instead of ending when its end comes after `lastDotAt` (epoch ms). */
export function guardFinalDot(source: Readable, lastDotAt: number, clock: Clock): Readable {
  let finished = false;
  async function* timed(): AsyncGenerator<Buffer> {
    for await (const chunk of source) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    if (clock.now().getTime() > lastDotAt) throw new FinalDotTooLateError(new Date(lastDotAt));
    finished = true;
  }
  const guarded = Readable.from(timed(), { objectMode: false });
  guarded.once('close', () => {
    if (!finished) source.destroy(); // a transport that stops reading must not leave the S3 body open
  });
  return guarded;
}
