// What `hold --message` / `release --message` (and the console's hold and
// release of a message) print after acting: one set of words for both.
import { HELD_RECHECK_SECONDS } from '../lambdas/core/operator/hold-messages.js';
import { formatAge } from './format.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
/** "1h 0m": how often a held message's queue entry comes back. */
const recheck = formatAge(HELD_RECHECK_SECONDS);

/** After a hold: what being held means, and when the first held message expires anyway. */
export function heldMessagesNote(firstExpiry: Date | undefined): string {
  const expiry = firstExpiry ? ` (the first at ${firstExpiry.toISOString()})` : '';
  return (
    'held: they stay queued and are not delivered while the rest of their route flows; a delivery already under way finishes. ' +
    `A message still held at the end of its queue lifetime${expiry} expires then and its sender is told, as under a route hold; ` +
    '`backup-mx mailq --held` lists them, `backup-mx release --message <id>` (or the same filters) lets them go'
  );
}

/** After a release: when the released messages go (a fresh queue copy now, else their hidden entry's return). */
export function releasedMessagesNote(now: number, later: number, flushing: boolean): string {
  const parts: string[] = [];
  if (now > 0) parts.push(`${plural(now, 'message')} queued afresh: delivered by the next drain (${flushing ? 'starting now' : 'the probe starts one within a probe interval when the primary is up; `backup-mx flush` starts it now'})`);
  if (later > 0) parts.push(`${plural(later, 'message')} with no archived envelope: delivered when the held queue entry comes back (within ${recheck})`);
  return `released: ${parts.join('; ')}`;
}
