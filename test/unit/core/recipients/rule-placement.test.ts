// The synced rules' placement plan: stable (an address that stays keeps its
// rule), gain before lose, compaction only over budget. The property test runs
// the plan step by step, as the writer would (it may stop after any step), and
// checks that nothing that must be accepted is ever unmatched.
import { describe, expect, it } from 'vitest';
import { planRulePlacement, type CurrentRule, type PlacementStep } from '../../../../lambdas/core/recipients/rule-placement.js';
import { SeededRandom } from '../../../support/chaos/seeded-random.js';

const address = (i: number, domain = 'example.com') => `user${String(i).padStart(5, '0')}@${domain}`;
const addresses = (n: number) => Array.from({ length: n }, (_, i) => address(i));
/** What the first write of a list would do: chunks of 100 in order. */
const chunked = (list: string[], capacity = 100): CurrentRule[] =>
  Array.from({ length: Math.ceil(list.length / capacity) }, (_, i) => ({ index: i + 1, recipients: list.slice(i * capacity, (i + 1) * capacity) }));

function run(current: CurrentRule[], steps: PlacementStep[], afterEach: (state: Map<number, Set<string>>, step: PlacementStep) => void): Map<number, Set<string>> {
  const state = new Map(current.map((r) => [r.index, new Set(r.recipients)]));
  for (const step of steps) {
    if (step.op === 'create') {
      if (state.has(step.index)) throw new Error(`create of existing rule ${step.index}`);
      state.set(step.index, new Set(step.recipients));
    } else if (step.op === 'update') {
      if (!state.has(step.index)) throw new Error(`update of missing rule ${step.index}`);
      state.set(step.index, new Set(step.recipients));
    } else {
      if (!state.has(step.index)) throw new Error(`delete of missing rule ${step.index}`);
      state.delete(step.index);
    }
    afterEach(state, step);
  }
  return state;
}

describe('planRulePlacement', () => {
  it('450 addresses and one new early address: one update of the rule with room, no address moves', () => {
    const list = addresses(450).map((a) => a.replace('user', 'user1'));
    const plan = planRulePlacement(chunked(list), ['aaron@example.com', ...list], { capacity: 100, budget: 10 });
    expect(plan.steps).toEqual([{ op: 'update', index: 5, recipients: [...list.slice(400), 'aaron@example.com'] }]);
  });

  it('removed addresses are taken out where they are, empty rules deleted; nothing else is written', () => {
    const list = addresses(450);
    const plan = planRulePlacement(chunked(list), list.filter((a, i) => i !== 150 && i < 400), { capacity: 100, budget: 10 });
    expect(plan.steps).toEqual([
      { op: 'update', index: 2, recipients: list.slice(100, 200).filter((_, i) => i !== 50) },
      { op: 'delete', index: 5 },
    ]);
  });

  it('new addresses fill the room removed ones left, then new rules at numbers not in use, created first', () => {
    const current = [{ index: 2, recipients: ['a@x', 'b@x'] }, { index: 4, recipients: ['f@x', 'g@x'] }];
    const plan = planRulePlacement(current, ['b@x', 'c@x', 'd@x', 'e@x', 'f@x', 'g@x', 'h@x'], { capacity: 2, budget: 5 });
    expect(plan.steps).toEqual([
      { op: 'create', index: 1, recipients: ['d@x', 'e@x'] },
      { op: 'create', index: 3, recipients: ['h@x'] },
      { op: 'update', index: 2, recipients: ['b@x', 'c@x'] },
    ]);
  });

  it('over budget (a lowered maxAddresses, or a writer that stopped): the fullest rules stay, the others move into them first, then are deleted', () => {
    const current = [
      { index: 1, recipients: ['a@x'] },
      { index: 2, recipients: ['b@x', 'c@x', 'd@x'] },
      { index: 3, recipients: ['e@x', 'f@x'] },
    ];
    const plan = planRulePlacement(current, ['a@x', 'b@x', 'c@x', 'd@x', 'e@x', 'f@x'], { capacity: 3, budget: 2 });
    expect(plan.steps).toEqual([
      { op: 'update', index: 3, recipients: ['e@x', 'f@x', 'a@x'] },
      { op: 'delete', index: 1 },
    ]);
  });

  it('an address left in two rules by a stopped writer stays in the lower one only', () => {
    const plan = planRulePlacement([{ index: 1, recipients: ['a@x', 'b@x'] }, { index: 2, recipients: ['b@x', 'c@x'] }], ['a@x', 'b@x', 'c@x'], { capacity: 100, budget: 2 });
    expect(plan.steps).toEqual([{ op: 'update', index: 2, recipients: ['c@x'] }]);
  });

  it('an unchanged list writes nothing', () => {
    const list = addresses(250);
    expect(planRulePlacement(chunked(list), [...list].reverse(), { capacity: 100, budget: 3 }).steps).toEqual([]);
  });

  it('property: over random lists and changes, after EVERY step each address that stays or was written is matched, no rule over capacity, never over budget at the end', () => {
    const random = new SeededRandom(22_3);
    for (let round = 0; round < 600; round += 1) {
      const capacity = random.pick([2, 3, 5, 10, 100]);
      const domains = ['a.example', 'b.example', 'c.example'].slice(0, random.int(1, 3));
      const universe = Array.from({ length: random.int(1, capacity * 6) }, (_, i) => address(i, random.pick(domains)));
      // The current rules: what an earlier writer left, possibly stopped mid-way (duplicates, holes, over a new budget).
      const old = random.sample(universe, random.int(0, universe.length));
      const current: CurrentRule[] = [];
      let cursor = 0;
      for (let index = 1; cursor < old.length; index += random.int(1, 2)) {
        const take = random.int(1, capacity);
        const recipients = old.slice(cursor, cursor + take);
        cursor += take;
        if (random.chance(0.1) && old.length > 0) {
          const duplicate = random.pick(old);
          if (!recipients.includes(duplicate) && recipients.length < capacity) recipients.push(duplicate);
        }
        if (random.chance(0.05) && recipients.length < capacity) recipients.push(`gone${index}@${domains[0]}`);
        current.push({ index, recipients });
      }
      const keep = old.filter(() => !random.chance(random.pick([0, 0.05, 0.5, 1])));
      const desired = [...new Set([...keep, ...random.sample(universe, random.int(0, universe.length))])];
      if (desired.length === 0) desired.push(universe[0]!);
      const budget = random.int(Math.max(1, Math.ceil(desired.length / capacity)), Math.ceil(desired.length / capacity) + 2);

      const plan = planRulePlacement(current, desired, { capacity, budget });
      const before = new Set(current.flatMap((r) => r.recipients));
      const mustStay = desired.filter((entry) => before.has(entry));
      const written = new Set<string>();
      const context = () => JSON.stringify({ round, capacity, budget, current, desired, steps: plan.steps });
      const matched = (state: Map<number, Set<string>>, entry: string) => [...state.values()].some((rule) => rule.has(entry));
      const state = run(current, plan.steps, (rules, step) => {
        if (step.op !== 'delete') {
          expect(step.recipients.length, context()).toBeGreaterThan(0);
          expect(step.recipients.length, context()).toBeLessThanOrEqual(capacity);
          for (const entry of step.recipients) written.add(entry);
        }
        for (const entry of [...mustStay, ...written]) if (desired.includes(entry)) expect(matched(rules, entry), `${entry} unmatched after ${JSON.stringify(step)}: ${context()}`).toBe(true);
      });
      const entries = [...state.values()].flatMap((rule) => [...rule]);
      expect(new Set(entries), context()).toEqual(new Set(desired));
      expect(entries.length, `no address in two rules at the end: ${context()}`).toBe(desired.length);
      expect(state.size, context()).toBeLessThanOrEqual(budget);
      expect([...state].map(([index, rule]) => ({ index, recipients: [...rule] })).sort((a, b) => a.index - b.index)).toEqual(plan.final);
      // Stable: an address that stays and whose rule survives is never rewritten elsewhere.
      if (current.length <= budget) {
        for (const rule of current) {
          for (const entry of rule.recipients) {
            const owner = current.find((r) => r.recipients.includes(entry))!;
            if (desired.includes(entry) && owner === rule) expect(state.get(rule.index)?.has(entry), context()).toBe(true);
          }
        }
      }
    }
  });
});
