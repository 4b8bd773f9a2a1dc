// A route whose primary is up but whose drains finish nothing (throttled,
// crashing, or failing on every message) still needs its sweep: messages
// must expire with a notice and be re-enqueued before SQS's 14 days. The
// index's last finished time says whether drains make progress.

/**
 * True when the route has finished messages before (`lastDone` known) but none
 * in the last `stallSeconds`. A route that never finished anything is not
 * called stalled: its first drain may simply still be running.
 */
export function isStalled(lastDone: Date | undefined, now: Date, stallSeconds: number): boolean {
  return lastDone !== undefined && now.getTime() - lastDone.getTime() > stallSeconds * 1000;
}
