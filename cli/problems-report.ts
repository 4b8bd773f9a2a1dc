// The conditions the probe found on (core/problems), as `status` shows them:
// each with its meaning and since when, from the probe's problems records.
// A record that cannot be read is said, never shown as "no problems".
import { CONDITION_MEANING, type Condition } from '../lambdas/core/problems/conditions.js';
import { STACK_SCOPE, type ProblemScope, type ProblemState } from '../lambdas/core/problems/problem-ports.js';
import { ANNOUNCE_AFTER_SECONDS } from '../lambdas/core/problems/report-problems.js';
import { ageSeconds, formatAge } from './format.js';

export interface ProblemLine {
  condition: Condition;
  meaning: string;
  since: string;
  /** Announced (an ERROR line "problem began"; the scope's alarm is in ALARM or about to be); false in its first 120 s. */
  announced: boolean;
}

export type ScopeProblems = { problems: ProblemLine[] } | { unreadable: string };

export async function scopeProblems(read: (scope: ProblemScope) => Promise<ProblemState | undefined>, scope: ProblemScope): Promise<ScopeProblems> {
  try {
    const state = await read(scope);
    const problems = Object.entries(state?.conditions ?? {}).map(([condition, c]) => ({
      condition: condition as Condition,
      meaning: CONDITION_MEANING[condition as Condition] ?? 'unknown condition (a newer version wrote it)',
      since: c!.since.toISOString(),
      announced: c!.announced,
    }));
    return { problems };
  } catch (error) {
    return { unreadable: (error as Error).message };
  }
}

/** Lines for the text output: one per condition, or why none can be shown. */
export function problemLines(label: string, found: ScopeProblems, now: Date): string[] {
  if ('unreadable' in found) return [`${label}: could not read the probe's problems record: ${found.unreadable}`];
  if (found.problems.length === 0) return [];
  return found.problems.map((p) => {
    const pending = p.announced ? '' : ` (not announced yet: a condition is told after ${ANNOUNCE_AFTER_SECONDS} s)`;
    return `${label}: ${p.condition} for ${formatAge(ageSeconds(new Date(p.since), now))}${pending}: ${p.meaning}`;
  });
}

export const STACK_LABEL = 'stack';
export { STACK_SCOPE };
