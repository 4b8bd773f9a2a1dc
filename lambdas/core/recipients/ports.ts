// The ports of recipient lists the primary keeps current: where a route's
// synced list is stored (versioned, written only on the version read) and
// what turns a list into the route's SES receipt rules.

/** One stored version of a route's synced list. */
export interface StoredRecipientList {
  /** 1 for the first list, +1 on every write: the condition of the next write. */
  version: number;
  /** Normalised (domain lower-cased), unique, sorted. */
  addresses: string[];
  updatedAt: Date;
  /** Who wrote it: "push", "seed", "verify", or what the caller names. */
  source: string;
  /** The push overrode the shrink guard. */
  forced: boolean;
  /** The newest version whose receipt rules were written in full (0: none yet). */
  appliedVersion: number;
  appliedAt?: Date;
  /**
   * The shrink guard's high-water mark: the most addresses a list had and when
   * (sync-shrink.ts); absent on lists stored before it (or by the seed).
   */
  peakCount?: number;
  peakAt?: Date;
}

export type NewRecipientList = Omit<StoredRecipientList, 'version' | 'appliedVersion' | 'appliedAt'>;

export interface RecipientListStore {
  /** The newest stored version, or undefined before the first write. */
  read(route: string): Promise<StoredRecipientList | undefined>;
  /**
   * Stores `list` as version `expectedVersion + 1` only if the newest version
   * is still `expectedVersion` (0: none stored); false when another write came first.
   */
  write(route: string, list: NewRecipientList, expectedVersion: number): Promise<boolean>;
  /** Notes that `version`'s rules are in place (never lowers an applied version already noted). */
  markApplied(route: string, version: number, at: Date): Promise<void>;
}

/** What writing a route's rules did. */
export interface RuleApplyReport {
  /** Rules the route has now. */
  rules: number;
  created: number;
  updated: number;
  deleted: number;
}

export interface RecipientRules {
  /**
   * Makes the route's receipt rules match exactly `addresses` (undefined: no
   * list yet, every domain of the route accepted), split into rules of at most
   * 100 entries; rules the list no longer needs are removed last.
   */
  apply(route: { name: string; domains: string[] }, addresses: string[] | undefined): Promise<RuleApplyReport>;
  /** Removes every rule written for the route (the route stopped syncing). */
  remove(route: string): Promise<number>;
}

/** The gate's answer: passed, a replay (the timestamp is not newer), or too soon after the last push it let through. */
export type PushGateAnswer = { passed: true } | { passed: false; why: 'replay' } | { passed: false; why: 'too-soon'; retryAfterSeconds: number };

export interface PushGate {
  /**
   * Notes `timestamp` and `now` as the route's last push let through, only if
   * the timestamp is newer than the one noted (else a replay) and the last one
   * was let through at least `minIntervalSeconds` before `now` (else too soon).
   */
  claim(route: string, timestamp: number, now: Date, minIntervalSeconds: number): Promise<PushGateAnswer>;
}

export interface RuleWriterRequester {
  /** Asks the private rule writer to write the route's rules from the newest stored list; resolves once asked, not once written. */
  requestRules(route: string): Promise<void>;
}
