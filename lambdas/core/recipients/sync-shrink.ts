// The shrink guard of a pushed list: a broken export on the primary must not
// make the backup refuse mail for real addresses. A push is refused, unless
// forced, when
// - nothing is stored and the route has no seed: the first list would narrow
//   "every address of the domains" to itself (a script printing 1 address
//   on its first run would refuse everyone else);
// - it removes more than maxShrinkPercent of the list it replaces (or of the
//   seed, while nothing is stored yet);
// - it leaves more than maxShrinkPercent fewer addresses than the route's
//   high-water mark, the largest list it had in the last PEAK_WINDOW_DAYS, so
//   small pushes cannot add up (ten 9 % pushes would remove 61 %).
// The mark is kept in the stored pointer (peakCount, peakAt). Lists are not
// kept, so once the mark is older than the window the list being replaced
// (in force until now) stands for the window's largest. A forced push sets
// the mark to its own count: the operator said this is the list now.
//
// A stored list whose body is unreadable (missing, or not its SHA-256) still
// counts: it is compared by the address count its pointer names (a push of
// fewer addresses removes at least the difference), and a pointer that names
// no count makes every push need force. An unreadable body must not switch
// the guard off.
import type { StoredRecipientList } from './ports.js';
import { RecipientPushRefused } from './push-refused.js';
import type { SyncedRoute } from './synced-route.js';

/** How long the largest list counts for the shrink guard. */
export const PEAK_WINDOW_DAYS = 7;
const PEAK_WINDOW_MS = PEAK_WINDOW_DAYS * 24 * 3600 * 1000;

export interface Peak {
  count: number;
  at: Date;
}

/** What a push is compared with: the stored list, or the route's seed while nothing is stored. */
export interface ShrinkBaseline {
  /** How many addresses the push removes from it. */
  removed: number;
  size: number;
  /** "the stored list (version 3)", "the seed". */
  name: string;
  peak: Peak;
}

/** How many addresses the stored list holds: its pointer's count when its body is unreadable (undefined: not known). */
export function storedCount(current: StoredRecipientList): number | undefined {
  return current.unreadable ? current.unreadable.count : current.addresses.length;
}

/** The high-water mark in force at `now`: the stored mark within the window, else the stored list's own count. */
export function livePeak(current: StoredRecipientList, now: Date): Peak {
  const own = { count: storedCount(current) ?? 0, at: now };
  const { peakCount, peakAt } = current;
  if (peakCount === undefined || !peakAt || now.getTime() - peakAt.getTime() > PEAK_WINDOW_MS) return own;
  return peakCount >= own.count ? { count: peakCount, at: peakAt } : own;
}

/** The mark to store with a list of `total` addresses replacing `current`. */
export function nextPeak(current: StoredRecipientList | undefined, total: number, forced: boolean, now: Date): { peakCount: number; peakAt: Date } {
  const live = current && !forced ? livePeak(current, now) : undefined;
  return live && live.count > total ? { peakCount: live.count, peakAt: live.at } : { peakCount: total, peakAt: now };
}

/**
 * What a push of `total` addresses is compared with when the stored list's body
 * is unreadable: its pointer's count and the high-water mark. Throws
 * RecipientPushRefused ('shrink') unless `force` when the count is not known.
 */
export function unreadableBaseline(route: SyncedRoute, current: StoredRecipientList, total: number, force: boolean, now: Date): ShrinkBaseline | undefined {
  const count = storedCount(current);
  if (count === undefined) {
    if (force) return undefined;
    throw new RecipientPushRefused(
      'shrink',
      `route "${route.name}": the stored list (version ${current.version}) cannot be read (${current.unreadable?.reason ?? 'unreadable'}) and its size is not known, ` +
        `so how much this push removes cannot be checked; if the list is right, push again with force`,
    );
  }
  return { removed: Math.max(0, count - total), size: count, name: `the stored list (version ${current.version}, ${count} addresses by its pointer; its body cannot be read)`, peak: livePeak(current, now) };
}

/** Throws RecipientPushRefused ('first-push' or 'shrink') unless `force`; `baseline` undefined: nothing stored and no seed. */
export function checkShrink(route: SyncedRoute, baseline: ShrinkBaseline | undefined, total: number, force: boolean): void {
  if (force) return;
  if (!baseline) {
    throw new RecipientPushRefused(
      'first-push',
      `route "${route.name}": nothing is stored for this route yet and it has no seed (recipients or recipientsFile), so this first list of ${total} addresses ` +
        `would narrow "every address of the route's domains" to itself, and a broken export must not do that unnoticed. If the list is right, push it once with force: ` +
        `by hand \`backup-mx recipients push ${route.name} --file <list> --force\`, or from the primary with ?force=1 in the push URL ` +
        `(\`backup-mx recipients push-command ${route.name} --force\` prints that command); later pushes need no force`,
    );
  }
  const max = route.maxShrinkPercent;
  const removedPercent = baseline.size > 0 ? (baseline.removed / baseline.size) * 100 : 0;
  if (removedPercent > max) {
    throw new RecipientPushRefused(
      'shrink',
      `route "${route.name}": the push removes ${baseline.removed} of the ${baseline.size} addresses of ${baseline.name} (${removedPercent.toFixed(1)}%), more than recipientSync.maxShrinkPercent = ${max}%; ` +
        `if that is right, push again with force`,
    );
  }
  const { peak } = baseline;
  const belowPeak = peak.count > 0 ? ((peak.count - total) / peak.count) * 100 : 0;
  if (belowPeak > max) {
    throw new RecipientPushRefused(
      'shrink',
      `route "${route.name}": the push leaves ${total} addresses, ${belowPeak.toFixed(1)}% fewer than the ${peak.count} the route had on ${peak.at.toISOString()} ` +
        `(the largest list of the last ${PEAK_WINDOW_DAYS} days), more than recipientSync.maxShrinkPercent = ${max}%; if that is right, push again with force`,
    );
  }
}
