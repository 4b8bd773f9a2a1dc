// Recipient lists and their receipt rules in memory: the store writes only on
// the version read (as the DynamoDB pointer does), the rules are the chunks
// SES would hold. `beforeWrite` lets a test run another push between a read
// and the write that depends on it.
import { receiptRuleChunks } from '../../../lib/config/receipt-rule-chunks.js';
import type { NewRecipientList, RecipientListStore, RecipientRules, RuleApplyReport, StoredRecipientList } from '../../core/recipients/ports.js';

export class InMemoryRecipientListStore implements RecipientListStore {
  readonly lists = new Map<string, StoredRecipientList>();
  /** Runs once before each write's check (a concurrent push lands here). */
  beforeWrite?: (route: string) => Promise<void>;
  writes = 0;
  conflicts = 0;

  async read(route: string): Promise<StoredRecipientList | undefined> {
    const list = this.lists.get(route);
    return list && { ...list, addresses: [...list.addresses] };
  }

  async write(route: string, list: NewRecipientList, expectedVersion: number): Promise<boolean> {
    const hook = this.beforeWrite;
    this.beforeWrite = undefined;
    if (hook) await hook(route);
    const current = this.lists.get(route);
    if ((current?.version ?? 0) !== expectedVersion) {
      this.conflicts += 1;
      return false;
    }
    this.writes += 1;
    this.lists.set(route, { ...list, addresses: [...list.addresses], version: expectedVersion + 1, appliedVersion: current?.appliedVersion ?? 0, ...(current?.appliedAt ? { appliedAt: current.appliedAt } : {}) });
    return true;
  }

  async markApplied(route: string, version: number, at: Date): Promise<void> {
    const current = this.lists.get(route);
    if (current && current.appliedVersion < version) this.lists.set(route, { ...current, appliedVersion: version, appliedAt: at });
  }

  readonly retired: string[] = [];
  async retire(route: string): Promise<number> {
    this.retired.push(route);
    this.lists.delete(route);
    return 0;
  }

  /** Keeps no old bodies: notes each call only. */
  readonly prunes: { route: string; appliedVersion: number }[] = [];
  async prune(route: string, appliedVersion: number): Promise<number> {
    this.prunes.push({ route, appliedVersion });
    return 0;
  }
}

export class InMemoryRecipientRules implements RecipientRules {
  /** Each route's rules: the recipients of each, in order. */
  readonly rules = new Map<string, string[][]>();
  fail?: Error;
  applied = 0;
  /** Runs once as a write of rules begins (a concurrent push lands while rules are written). */
  beforeApply?: () => Promise<void>;

  async apply(route: { name: string; domains: string[] }, addresses: string[] | undefined): Promise<RuleApplyReport> {
    if (this.fail) throw this.fail;
    const hook = this.beforeApply;
    this.beforeApply = undefined;
    if (hook) await hook();
    this.applied += 1;
    const before = this.rules.get(route.name) ?? [];
    const after = receiptRuleChunks({ domains: route.domains, ...(addresses ? { recipients: addresses } : {}) });
    this.rules.set(route.name, after);
    const updated = after.filter((chunk, i) => i < before.length && chunk.join() !== before[i]!.join()).length;
    return { rules: after.length, created: Math.max(0, after.length - before.length), updated, deleted: Math.max(0, before.length - after.length) };
  }

  async count(route: string): Promise<number> {
    return this.rules.get(route)?.length ?? 0;
  }

  async remove(route: string): Promise<number> {
    const had = this.rules.get(route)?.length ?? 0;
    this.rules.delete(route);
    return had;
  }
}
