// What the probe does with a scope's conditions each round (a route's, or the
// stack's): compares them with what it found before, and
//   - a condition on for ANNOUNCE_AFTER_SECONDS is announced: an error line
//     "problem began" naming it. When another condition of the scope is
//     already on, the scope's alarm is in ALARM already and CloudWatch
//     notifies only on a change of state: the stack's alarm on ERROR lines
//     (a metric filter over every function's log) is what tells a person
//     that something new is wrong;
//   - an announced condition that goes off is "problem ended";
//   - while any is announced, one warning line per round lists them with what
//     the probe saw;
//   - the state is saved only when it changed (a condition came, was
//     announced, or went), and the gauge's bits are returned.
// A previous state that cannot be read adds `unreadable` and is not
// overwritten; nothing is announced against a state nobody could read.
import type { DeliveryLog } from '../runtime/ports.js';
import { CONDITION_MEANING, conditionBits, type Condition } from './conditions.js';
import type { ConditionState, ProblemState } from './problem-ports.js';

/** A condition on this long is announced: three rounds a minute apart, as its alarm's three one-minute periods. */
export const ANNOUNCE_AFTER_SECONDS = 120;

export interface ScopeReport {
  bits: number;
  /** The state to save, or undefined when nothing changed (or the previous one could not be read). */
  save?: ProblemState;
}

/** Fields that name the scope in a log line: the route, or none for the stack. */
const scopeFields = (route: string | undefined) => (route === undefined ? { scope: 'stack' } : { route });

export function reportProblems<T extends Condition>(
  deps: { log: DeliveryLog },
  route: string | undefined,
  order: readonly T[],
  current: Map<T, string>,
  previous: ProblemState | undefined,
  previousReadable: boolean,
  now: Date,
  extra: Pick<ProblemState, 'firstRoundAt'> = {},
): ScopeReport {
  const { log } = deps;
  const before = (previous?.conditions ?? {}) as Partial<Record<T, ConditionState>>;
  const next: Partial<Record<T, ConditionState>> = {};
  let changed = previous === undefined;
  for (const [condition, detail] of current) {
    const was = before[condition];
    const since = was?.since ?? now;
    let announced = was?.announced ?? false;
    if (!was) changed = true;
    if (!announced && now.getTime() - since.getTime() >= ANNOUNCE_AFTER_SECONDS * 1000) {
      announced = true;
      changed = true;
      log.error('problem began', { ...scopeFields(route), condition, detail, meaning: CONDITION_MEANING[condition], since: since.toISOString(), fix: 'run `npx backup-mx status` (README: Alarms)' });
    }
    next[condition] = { since, announced };
  }
  for (const [condition, was] of Object.entries(before) as [T, ConditionState][]) {
    if (current.has(condition)) continue;
    changed = true;
    if (was.announced) log.info('problem ended', { ...scopeFields(route), condition, since: was.since.toISOString() });
  }
  const told = [...current.keys()].filter((c) => next[c]?.announced);
  if (told.length > 0) log.warn('problems', { ...scopeFields(route), conditions: Object.fromEntries(told.map((c) => [c, current.get(c)!])) });
  const bits = conditionBits(order, current.keys());
  if (!previousReadable || !changed) return { bits };
  return { bits, save: { conditions: next as ProblemState['conditions'], ...(extra.firstRoundAt ? { firstRoundAt: extra.firstRoundAt } : {}) } };
}
