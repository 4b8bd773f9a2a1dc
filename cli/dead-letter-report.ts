// The SQS dead-letter queue (DLQ) against the dead-letter records, for
// status, doctor and `mailq --dead`: copies beyond the records have none
// (poison messages SQS redrove there), and need a person.
import type { Target } from './target.js';

/** The DLQ depth against the dead-letter records: copies beyond the records have none (redriven poison messages). */
export async function deadLetterQueueCheck(target: Target): Promise<{ depth: number; records: number; unrecorded: number; url: string }> {
  const [depth, records] = await Promise.all([target.operator.deadLetterDepth(), target.operator.deadLetters().then((r) => r.length)]);
  return { depth, records, unrecorded: Math.max(0, depth - records), url: target.settings.deadLetterQueueUrl };
}

/** The problem and its fix when copies lack a record, or undefined when there are none. */
export function unrecordedCopies(check: { unrecorded: number; url: string }): { problem: string; fix: string } | undefined {
  const n = check.unrecorded;
  if (n === 0) return undefined;
  return {
    problem: `${n} message${n === 1 ? '' : 's'} on the dead-letter queue ${n === 1 ? 'has' : 'have'} no record`,
    fix: `inspect them with the AWS console or \`aws sqs receive-message --queue-url ${check.url} --message-attribute-names All\``,
  };
}

/** One line on the DLQ for status and `mailq --dead`, and the warning if copies lack a record; never throws. */
export async function deadLetterQueueReport(target: Target): Promise<{ summary: string; warning?: string }> {
  try {
    const check = await deadLetterQueueCheck(target);
    const n = check.depth;
    const summary = `dead-letter queue: ~${n} message${n === 1 ? '' : 's'} for ${check.records} dead-letter record${check.records === 1 ? '' : 's'}`;
    const unrecorded = unrecordedCopies(check);
    return unrecorded ? { summary, warning: `${unrecorded.problem}: ${unrecorded.fix}` } : { summary };
  } catch (error) {
    return { summary: `dead-letter queue: depth unknown (${(error as Error).name}: ${(error as Error).message})` };
  }
}
