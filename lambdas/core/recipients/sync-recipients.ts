// The primary pushes a route's valid addresses; this use case decides whether
// the list is taken, stores it on the version it read, and writes the route's
// receipt rules from the newest stored list. The push endpoint only parses,
// checks the signature and calls `push`; the deploy calls `redeploy`.
//
// Guards (a broken export script must not make the backup refuse all mail):
// an empty list is always refused; every address must be in the route's
// domains; at most `maxAddresses` (the rules the deploy reserved); a first
// list with no seed, or one that shrinks more than `maxShrinkPercent` from the
// list it replaces or from the route's 7-day high-water mark, needs `force`
// (sync-shrink.ts).
import type { Clock, DeliveryLog } from '../runtime/ports.js';
import type { RecipientListStore, RecipientRules, RuleApplyReport, StoredRecipientList } from './ports.js';
import { applicableList } from './applicable-list.js';
import { RecipientPushRefused, some } from './push-refused.js';
import { domainOf, listChange, normaliseRecipients } from './recipient-list.js';
import { checkShrink, livePeak, nextPeak, storedCount, unreadableBaseline, type ShrinkBaseline } from './sync-shrink.js';
import { DeployWaiting } from './rule-writer-lock.js';
import type { SyncedRoute } from './synced-route.js';

/** Reads and writes tried before a push that keeps losing to others is refused. */
export const MAX_PUSH_ATTEMPTS = 3;
/** Rule writes tried while newer lists keep arriving (each ends by re-reading the store). */
const MAX_APPLY_ROUNDS = 3;

export interface PushOptions {
  /** Take a push that removes more than the route's maxShrinkPercent. Never takes an empty list. */
  force?: boolean;
  /** Who pushed ("push", "verify", "cli"): stored and shown by status. */
  source: string;
  /**
   * Store only: the rules are left to another function (the public push
   * endpoint holds no SES permission); the result says `rulesPending`.
   */
  deferRules?: boolean;
}

export interface PushResult {
  route: string;
  version: number;
  added: number;
  removed: number;
  total: number;
  /** The list equals the stored one: nothing stored, rules only checked. */
  unchanged: boolean;
  /** What writing the rules did; absent when the list was unchanged and its rules already in place, or deferred. */
  rules?: RuleApplyReport;
  /** The stored list's rules are not written yet (deferRules): the rule writer was asked to. */
  rulesPending: boolean;
}

export interface PushPreview {
  route: string;
  /** The stored version the preview compared with (0: none yet). */
  version: number;
  added: string[];
  removed: string[];
  total: number;
}

export interface RecipientSyncStatus {
  route: string;
  count: number;
  version: number;
  updatedAt: Date;
  source: string;
  forced: boolean;
  /** The version whose rules are in place; lower than `version` while rules are pending. */
  appliedVersion: number;
  /** The stored body could not be read or does not match its SHA-256: `count` is the pointer's, and SES keeps the rules in place. */
  unreadable?: { key: string; reason: string };
}

/** The list is stored but its rules could not be written; the next push or deploy writes them. */
export class RecipientRulesPending extends Error {
  constructor(route: string, version: number, cause: unknown) {
    super(`route "${route}": list version ${version} is stored but its receipt rules were not written (${(cause as Error).message ?? String(cause)}); the next push or deploy writes them`, { cause });
    this.name = 'RecipientRulesPending';
  }
}

export interface SyncRecipientsDeps {
  routes: SyncedRoute[];
  store: RecipientListStore;
  rules: RecipientRules;
  clock: Clock;
  log: Pick<DeliveryLog, 'info' | 'warn' | 'error'>;
  /** Serialises the rule set's writers (rule-writer-lock.ts); absent where nothing writes SES (locally, the push endpoint). */
  lock?: { run<T>(work: () => Promise<T>): Promise<T> };
}

export class SyncRecipients {
  constructor(private readonly deps: SyncRecipientsDeps) {}

  /** Checks, stores and applies a pushed list; throws RecipientPushRefused naming the reason. */
  async push(routeName: string, lines: readonly string[], options: PushOptions): Promise<PushResult> {
    const route = this.route(routeName);
    const addresses = this.checked(route, lines);
    for (let attempt = 1; attempt <= MAX_PUSH_ATTEMPTS; attempt += 1) {
      const current = await this.deps.store.read(route.name);
      const change = listChange(current?.addresses ?? [], addresses);
      if (current && change.added === 0 && change.removed === 0) {
        // Rules already written for it are left alone; a list whose rules are pending gets them now.
        const pending = current.appliedVersion < current.version;
        const rules = pending && !options.deferRules ? await this.applyNewest(route) : undefined;
        return { route: route.name, version: current.version, ...change, total: addresses.length, unchanged: true, ...(rules ? { rules } : {}), rulesPending: pending && !rules };
      }
      const forced = options.force === true;
      const now = this.deps.clock.now();
      checkShrink(route, this.baseline(route, current, addresses, now, forced), addresses.length, forced);
      const stored = await this.deps.store.write(
        route.name,
        { addresses, updatedAt: now, source: options.source, forced, ...nextPeak(current, addresses.length, forced, now) },
        current?.version ?? 0,
      );
      if (!stored) continue; // another push came first: check against its list
      const version = (current?.version ?? 0) + 1;
      this.deps.log.info('recipient list stored', { route: route.name, version, ...change, total: addresses.length, source: options.source, forced: options.force === true });
      if (options.deferRules) return { route: route.name, version, ...change, total: addresses.length, unchanged: false, rulesPending: true };
      const rules = await this.applyNewest(route);
      return { route: route.name, version, ...change, total: addresses.length, unchanged: false, rules, rulesPending: false };
    }
    throw new RecipientPushRefused('conflict', `route "${route.name}": ${MAX_PUSH_ATTEMPTS} other pushes were stored while this one was checked; push again`);
  }

  /**
   * What a push of `lines` would change, checked by every guard but stored
   * nowhere (`recipients push --dry-run`, and the CLI's list of what changed):
   * the addresses added and removed, as given. Throws RecipientPushRefused as push would.
   */
  async preview(routeName: string, lines: readonly string[], options: Pick<PushOptions, 'force'> = {}): Promise<PushPreview> {
    const route = this.route(routeName);
    const addresses = this.checked(route, lines);
    const current = await this.deps.store.read(route.name);
    const before = current?.addresses ?? [];
    const old = new Set(before.map((a) => a.toLowerCase()));
    const now = new Set(addresses.map((a) => a.toLowerCase()));
    const added = addresses.filter((a) => !old.has(a.toLowerCase()));
    const removed = before.filter((a) => !now.has(a.toLowerCase()));
    checkShrink(route, this.baseline(route, current, addresses, this.deps.clock.now(), options.force === true), addresses.length, options.force === true);
    return { route: route.name, version: current?.version ?? 0, added, removed, total: addresses.length };
  }

  /** Writes the route's rules from the newest stored list (the rule writer's pass after a deferred push). */
  async applyRules(routeName: string): Promise<RuleApplyReport> {
    return this.applyNewest(this.route(routeName));
  }

  /** The route's synced list as stored, or undefined before the first push or seed. */
  async status(routeName: string): Promise<RecipientSyncStatus | undefined> {
    const route = this.route(routeName);
    const list = await this.deps.store.read(route.name);
    if (!list) return undefined;
    const { version, updatedAt, source, forced, appliedVersion } = list;
    const unreadable = list.unreadable ? { unreadable: { key: list.unreadable.key, reason: list.unreadable.reason } } : {};
    return { route: route.name, count: storedCount(list) ?? 0, version, updatedAt, source, forced, appliedVersion, ...unreadable };
  }

  /**
   * The deploy's pass (a custom resource after CloudFormation wrote its rules):
   * stores the seed when nothing is stored yet, then writes the rules from the
   * newest list, so a deploy never undoes a push.
   */
  async redeploy(routeName: string): Promise<RuleApplyReport> {
    const route = this.route(routeName);
    const current = await this.deps.store.read(route.name);
    if (!current && route.seed && route.seed.length > 0) {
      const seed = normaliseRecipients(route.seed).addresses;
      // A push may win the race: then its list is the one applied below.
      await this.deps.store.write(route.name, { addresses: seed, updatedAt: this.deps.clock.now(), source: 'seed', forced: false }, 0);
    }
    return this.applyNewest(route);
  }

  private route(name: string): SyncedRoute {
    const route = this.deps.routes.find((r) => r.name === name);
    if (!route) {
      const names = this.deps.routes.map((r) => r.name);
      throw new RecipientPushRefused('unknown-route', `no route "${name}" syncs its recipients${names.length > 0 ? ` (routes that do: ${names.join(', ')})` : ' (set recipientSync on a route and deploy)'}`);
    }
    return route;
  }

  private checked(route: SyncedRoute, lines: readonly string[]): string[] {
    const { addresses, invalid } = normaliseRecipients(lines);
    if (invalid.length > 0) {
      throw new RecipientPushRefused('invalid-address', `route "${route.name}": ${invalid.length} lines are not addresses (${some(invalid)}); nothing was changed`);
    }
    if (addresses.length === 0) {
      throw new RecipientPushRefused(
        'empty',
        `route "${route.name}": the list is empty, and an empty list is never taken (a broken export must not make the backup refuse all mail), not even with force; ` +
          `to stop checking recipients for this route, remove its recipientSync and deploy`,
      );
    }
    const domains = new Set(route.domains.map((d) => d.toLowerCase()));
    const outside = addresses.filter((a) => !domains.has(domainOf(a)));
    if (outside.length > 0) {
      throw new RecipientPushRefused('outside-domains', `route "${route.name}": ${outside.length} addresses are not in the route's domains (${route.domains.join(', ')}): ${some(outside)}; nothing was changed`);
    }
    if (addresses.length > route.maxAddresses) {
      throw new RecipientPushRefused(
        'over-budget',
        `route "${route.name}": ${addresses.length} addresses, but the route's budget is recipientSync.maxAddresses = ${route.maxAddresses} ` +
          `(the receipt rules the deploy reserved, 100 addresses each); raise it and deploy, then push again`,
      );
    }
    return addresses;
  }

  /** What the shrink guard compares `addresses` with: the stored list (by count when unreadable) and its high-water mark, else the seed, else nothing. */
  private baseline(route: SyncedRoute, current: StoredRecipientList | undefined, addresses: readonly string[], now: Date, force: boolean): ShrinkBaseline | undefined {
    if (current?.unreadable) return unreadableBaseline(route, current, addresses.length, force, now);
    if (current) {
      return { removed: listChange(current.addresses, addresses).removed, size: current.addresses.length, name: `the stored list (version ${current.version})`, peak: livePeak(current, now) };
    }
    const seed = route.seed && route.seed.length > 0 ? normaliseRecipients(route.seed).addresses : [];
    if (seed.length === 0) return undefined;
    return { removed: listChange(seed, addresses).removed, size: seed.length, name: 'the seed (recipients or recipientsFile)', peak: { count: seed.length, at: now } };
  }

  /**
   * Writes the rules from the newest stored list, then reads again: when a
   * concurrent push stored a newer one meanwhile, its rules are written too,
   * so the last writer always leaves the newest list in SES.
   */
  private async applyNewest(route: SyncedRoute): Promise<RuleApplyReport> {
    // The list is read under the lease: a writer that waited for another reads what that one stored meanwhile.
    if (!this.deps.lock) return this.applyNewestHeld(route);
    try {
      return await this.deps.lock.run(() => this.applyNewestHeld(route));
    } catch (error) {
      if (!(error instanceof DeployWaiting)) throw error;
      // The deploy, once it holds the lease, reads and writes every synced route's newest list: this one's too.
      this.deps.log.info('recipient rules left to the deploy waiting for the rule set', { route: route.name, deployWaitsUntil: error.until.toISOString() });
      return { rules: 0, created: 0, updated: 0, deleted: 0, kept: 'deploy-waiting' };
    }
  }

  private async applyNewestHeld(route: SyncedRoute): Promise<RuleApplyReport> {
    let report: RuleApplyReport = { rules: 0, created: 0, updated: 0, deleted: 0 };
    let list = await this.deps.store.read(route.name);
    for (let round = 0; round < MAX_APPLY_ROUNDS; round += 1) {
      const applicable = list ? applicableList(route, list) : undefined;
      if (list && applicable && !applicable.apply) {
        // The route's rules stay as they are: mail keeps flowing as before, and an ERROR line (counted by ErrorLines) says why.
        const key = list.unreadable ? { key: list.unreadable.key } : {};
        this.deps.log.error('recipient list not applied; the route\'s receipt rules are kept', { route: route.name, version: list.version, kept: applicable.kept, why: applicable.why, ...key });
        return { rules: 0, created: 0, updated: 0, deleted: 0, kept: applicable.kept };
      }
      if (applicable?.apply && applicable.dropped > 0) {
        this.deps.log.warn('recipient list: addresses outside the route\'s current domains dropped', { route: route.name, version: list!.version, dropped: applicable.dropped, domains: route.domains.join(', ') });
      }
      try {
        report = await this.deps.rules.apply(route, applicable?.apply ? applicable.addresses : undefined);
      } catch (error) {
        if (!list) throw error;
        throw new RecipientRulesPending(route.name, list.version, error);
      }
      if (!list) return report;
      await this.deps.store.markApplied(route.name, list.version, this.deps.clock.now());
      this.deps.log.info('recipient rules written', { route: route.name, version: list.version, ...report });
      const newest = await this.deps.store.read(route.name);
      if (!newest || newest.version === list.version) {
        await this.prune(route, list.version);
        return report;
      }
      list = newest;
    }
    this.deps.log.warn('recipient lists kept arriving while rules were written; the newest push writes its own', { route: route.name });
    return report;
  }

  /** Old bodies hold removed addresses: deleted once a newer version is applied (a failure is only logged: the next pass tries again). */
  private async prune(route: SyncedRoute, appliedVersion: number): Promise<void> {
    try {
      const deleted = await this.deps.store.prune(route.name, appliedVersion, this.deps.clock.now());
      if (deleted > 0) this.deps.log.info('old recipient list bodies deleted', { route: route.name, deleted, appliedVersion });
    } catch (error) {
      this.deps.log.warn('old recipient list bodies not deleted; the next rule write tries again', { route: route.name, error: String(error) });
    }
  }
}
