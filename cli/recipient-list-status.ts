// What `status` says of a synced route's list (recipientSync): its size and
// version, and whether the version's receipt rules are written. The push
// answers before the rules are (the stack's rule writer writes them, one SES
// call a second); a list whose rules stay pending longer than a writer can run
// means the writer failed or was never asked, and SES still takes the old list.
import type { StoredRecipientList } from '../lambdas/core/recipients/ports.js';
import { storedCount } from '../lambdas/core/recipients/sync-shrink.js';
import { ageSeconds, formatAge, formatAgo } from './format.js';

/**
 * Pending longer than this is a problem: the rule writer runs at most 15
 * minutes (lib/constructs/recipient-sync-rules.ts RECIPIENT_SYNC_TIMEOUT, held
 * to this by a test), plus a minute for the asynchronous call to start it.
 */
export const RULES_PENDING_PROBLEM_SECONDS = 16 * 60;

export interface RecipientListStatus {
  count: number;
  version: number;
  updatedAt: string;
  source: string;
  forced: boolean;
  /** The newest version whose rules are written (0: none yet). */
  appliedVersion: number;
  /**
   * Present when `version`'s rules are not written and it was stored more than
   * RULES_PENDING_PROBLEM_SECONDS ago: since when its rules have been pending.
   */
  rulesStuckSince?: string;
  /** The stored body is missing or does not match its SHA-256 (`count` is then the pointer's): SES keeps the rules in place. */
  unreadable?: { key: string; reason: string };
}

export function recipientListStatus(list: StoredRecipientList, now: Date): RecipientListStatus {
  const { version, source, forced, appliedVersion } = list;
  const status: RecipientListStatus = { count: storedCount(list) ?? 0, version, updatedAt: list.updatedAt.toISOString(), source, forced, appliedVersion };
  if (list.unreadable) status.unreadable = { key: list.unreadable.key, reason: list.unreadable.reason };
  if (appliedVersion < version && ageSeconds(list.updatedAt, now) > RULES_PENDING_PROBLEM_SECONDS) status.rulesStuckSince = status.updatedAt;
  return status;
}

/** "corp recipients: 450 addresses synced (version 3, 5m ago, by push)", with "; rules pending (version 2 in place)" while SES lags. */
export function recipientListLine(route: string, l: RecipientListStatus, now: Date): string {
  const pending = l.appliedVersion < l.version ? `; rules pending (version ${l.appliedVersion || 'none'} in place: the next push or deploy writes them)` : '';
  return `${route} recipients: ${l.count} addresses synced (version ${l.version}, ${formatAgo(new Date(l.updatedAt), now)}, by ${l.source}${l.forced ? ', forced' : ''})${pending}`;
}

/** The problem line when the rules stay pending: SES still takes the version in place (or the seed), not the pushed list. */
export function rulesStuckLine(route: string, l: RecipientListStatus, now: Date, kind: 'aws' | 'local'): string | undefined {
  if (!l.rulesStuckSince) return undefined;
  const inPlace = l.appliedVersion > 0 ? `SES still takes list version ${l.appliedVersion}` : 'SES still takes what the deploy wrote (the seed, or every address of the domains)';
  return (
    `${route}: rules for list version ${l.version} not written since ${l.rulesStuckSince} (${formatAge(ageSeconds(new Date(l.rulesStuckSince), now))}): ` +
    `the rule writer failed? see ${kind === 'aws' ? 'its log (the function the RecipientRuleWriterName output names) and its alarm' : "the runner's log"}; ${inPlace}. ` +
    `Pushing the list again or a deploy asks the writer again`
  );
}

/** The problem line when the stored body cannot be used: the rules stay as they are until a good list is pushed. */
export function listUnreadableLine(route: string, l: RecipientListStatus): string | undefined {
  if (!l.unreadable) return undefined;
  return (
    `${route}: stored list version ${l.version} (${l.count} addresses) cannot be used: ${l.unreadable.reason} (${l.unreadable.key}); ` +
    `SES keeps the rules in place. Push the list again (a push against it needs force only past the shrink guard, measured by the pointer's count)`
  );
}
