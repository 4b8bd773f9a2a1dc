// Where each address of a synced route goes among its receipt rules, and in
// which order the rules are written, so that no address that stays is ever
// unmatched while the writer works (paced one SES call a second, it may stop
// mid-way; the next run plans again from what SES holds).
//
// Placement is STABLE: an address that stays keeps its rule; removed ones are
// taken out; new ones fill rules with free room, then new rules. Rules are
// compacted only when the route would otherwise hold more rules than its
// budget, and then the fullest rules stay and the others' addresses move.
// Order: every write that gains an address comes before any write that only
// loses some, and rules are deleted last; an address moved is in two rules for
// a moment (SES applies both rules' actions to the same object key), never none.

export interface CurrentRule {
  /** The rule's number n of `sync-<route>-<n>` (1-based). */
  index: number;
  recipients: readonly string[];
}

export type PlacementStep =
  | { op: 'create'; index: number; recipients: string[] }
  | { op: 'update'; index: number; recipients: string[] }
  | { op: 'delete'; index: number };

export interface PlacementPlan {
  /** The writes, in the order they must be made. */
  steps: PlacementStep[];
  /** Each rule's recipients once every step is made (rules not written included), by index, ascending. */
  final: CurrentRule[];
}

export interface PlacementLimits {
  /** Entries (addresses or domains) one rule holds: SES's 100. */
  capacity: number;
  /** Rules the route may hold at the end; raised to what the list needs when that is more. */
  budget: number;
}

const domainOf = (entry: string) => entry.slice(entry.lastIndexOf('@') + 1);
/** Grouped by domain, then sorted: one domain's new addresses share as few rules as possible. */
const byDomain = (a: string, b: string) => domainOf(a).localeCompare(domainOf(b)) || a.localeCompare(b);

export function planRulePlacement(current: readonly CurrentRule[], desired: readonly string[], limits: PlacementLimits): PlacementPlan {
  const { capacity } = limits;
  const wanted = new Set(desired);
  const budget = Math.max(limits.budget, Math.ceil(wanted.size / capacity));
  const rules = [...current].sort((a, b) => a.index - b.index);

  // What each rule keeps: its wanted entries not already kept by a lower rule
  // (a writer stopped mid-move leaves an address in two rules).
  const placed = new Set<string>();
  const kept = new Map<number, string[]>();
  for (const rule of rules) {
    const own = rule.recipients.filter((entry) => wanted.has(entry) && !placed.has(entry));
    for (const entry of own) placed.add(entry);
    kept.set(rule.index, own);
  }

  // Survivors: every rule, unless that is over budget; then the fullest stay.
  const ranked = [...rules].sort((a, b) => kept.get(b.index)!.length - kept.get(a.index)!.length || a.index - b.index);
  const survivors = new Set(ranked.slice(0, budget).map((r) => r.index));
  const moving = rules.filter((r) => !survivors.has(r.index)).flatMap((r) => kept.get(r.index)!);
  const toPlace = [...moving, ...desired.filter((entry) => !placed.has(entry))].sort(byDomain);
  const unique = [...new Set(toPlace)];

  const final = new Map<number, string[]>();
  for (const rule of rules) if (survivors.has(rule.index)) final.set(rule.index, [...kept.get(rule.index)!]);
  let next = 0;
  for (const rule of rules) {
    if (!survivors.has(rule.index)) continue;
    const target = final.get(rule.index)!;
    while (target.length < capacity && next < unique.length) target.push(unique[next++]!);
  }
  const used = new Set(rules.map((r) => r.index));
  let index = 1;
  const created: number[] = [];
  while (next < unique.length) {
    while (used.has(index)) index += 1;
    used.add(index);
    created.push(index);
    final.set(index, unique.slice(next, next + capacity));
    next += capacity;
  }

  const gains: PlacementStep[] = [];
  const losses: PlacementStep[] = [];
  const deletes: PlacementStep[] = [];
  for (const index of created) gains.push({ op: 'create', index, recipients: final.get(index)! });
  for (const rule of rules) {
    const after = final.get(rule.index);
    if (!after || after.length === 0) {
      deletes.push({ op: 'delete', index: rule.index });
      final.delete(rule.index);
      continue;
    }
    const before = new Set(rule.recipients);
    if (after.length === rule.recipients.length && after.every((entry) => before.has(entry))) continue;
    (after.some((entry) => !before.has(entry)) ? gains : losses).push({ op: 'update', index: rule.index, recipients: after });
  }
  return {
    steps: [...gains, ...losses, ...deletes],
    final: [...final].sort(([a], [b]) => a - b).map(([index, recipients]) => ({ index, recipients })),
  };
}
