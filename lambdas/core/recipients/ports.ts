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
  /**
   * The version's body is missing or does not match its SHA-256 (`addresses`
   * is then empty and must not be applied): the object's key, why, and the
   * address count its pointer names (what the shrink guard compares with;
   * absent when not known: a push then needs force).
   */
  unreadable?: { key: string; reason: string; count?: number };
}

export type NewRecipientList = Omit<StoredRecipientList, 'version' | 'appliedVersion' | 'appliedAt' | 'unreadable'>;

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
  /**
   * Deletes the route's list bodies superseded by `appliedVersion` (removed
   * addresses must not be kept for ever), and those a push wrote but never
   * committed, once too old to be in flight; keeps the current one and newer.
   * Returns how many were deleted.
   */
  prune(route: string, appliedVersion: number, now: Date): Promise<number>;
  /**
   * Forgets the route's list, pointer and bodies (the route stopped syncing):
   * syncing it again starts from its seed, not from a list that went stale
   * while its recipients were fixed in the config. Returns the bodies deleted.
   */
  retire(route: string): Promise<number>;
}

/** What writing a route's rules did. */
export interface RuleApplyReport {
  /** Rules the route has now. */
  rules: number;
  created: number;
  updated: number;
  deleted: number;
  /**
   * The rules were left as they were: the stored list was unreadable, or over
   * the route's current budget, or a deploy waits for the rule set's lease and
   * writes every synced route from the newest stored list itself ('deploy-waiting').
   */
  kept?: 'unreadable' | 'over-budget' | 'deploy-waiting';
}

export interface RecipientRules {
  /**
   * Makes the route's receipt rules match exactly `addresses` (undefined: no
   * list yet, every domain of the route accepted), in rules of at most 100
   * entries and no more rules than `maxAddresses` reserved; addresses that stay
   * keep their rule, and no address that stays is unmatched at any moment
   * (rule-placement.ts).
   */
  apply(route: { name: string; domains: string[]; maxAddresses?: number }, addresses: string[] | undefined): Promise<RuleApplyReport>;
  /** Removes every rule written for the route (the route stopped syncing). */
  remove(route: string): Promise<number>;
  /** How many rules the route has now (the deploy's failed Create removes only what it wrote); absent where the writer cannot tell. */
  count?(route: string): Promise<number>;
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

/** Who holds the rule writer's lease, when another does. */
export interface LeaseHolder {
  owner: string;
  until: Date;
}

/**
 * Who asks for the lease. The deploy (the custom resource) has priority: when
 * it finds the lease taken it leaves a mark until `waitUntil`, and no push's
 * writer takes the lease while the mark lives; when it takes the lease it
 * records the route table it was deployed with (`routeTableDigest`; absent:
 * the record is removed). A push's writer is refused the lease while a
 * deploy's mark lives, and learns the recorded digest when it takes it.
 */
export type LeaseClaim = { as: 'deploy'; waitUntil: Date; routeTableDigest?: string } | { as: 'push' };

export type LeaseAnswer =
  /** `routeTableDigest`: the one the last deploy recorded (absent: none recorded). */
  | { taken: true; routeTableDigest?: string }
  /** `deployWaitingUntil`: a deploy waits for the lease (push claims only). */
  | { taken: false; holder: LeaseHolder; deployWaitingUntil?: Date };

/**
 * The rule writer's lease, one per rule set: SES allows about one receipt-rule
 * call a second per account, so two writers at once throttle each other and
 * leave half-written sets. Taken by whoever writes rules (the deploy, a push's
 * writer), released at the end, and expiring by itself after a writer died.
 */
export interface RuleWriterLease {
  /** Takes the lease for `owner` until `until` (again when `owner` holds it); the other holder when it is not free. */
  acquire(owner: string, now: Date, until: Date, claim: LeaseClaim): Promise<LeaseAnswer>;
  /** Gives the lease up, only if `owner` still holds it (the deploy's route-table record stays). */
  release(owner: string): Promise<void>;
}
