// Message ids are 40 characters; like `git show 1a2b3c`, a command takes the
// start of one when it names exactly one queued or dead-lettered message.
import { UsageError } from './errors.js';
import type { Target } from './target.js';

/** Shortest prefix looked up (shorter ones match too much to be meant). */
export const MIN_ID_PREFIX = 4;
/** An SES message id's length (local/ses-standin/message-id.ts makes the same). */
export const FULL_ID_LENGTH = 40;
const SHOWN = 5;

export class AmbiguousIdError extends UsageError {
  constructor(prefix: string, matches: string[]) {
    const listed = matches.slice(0, SHOWN).join(', ') + (matches.length > SHOWN ? `, … (${matches.length} in all)` : '');
    super(`${prefix} is the start of ${matches.length} message ids: ${listed}; give more of it`);
    this.name = 'AmbiguousIdError';
  }
}

/** The full id `id` starts, or `id` itself (an exact id, or no match: the command then says "no message"). */
export async function expandId(target: Target, id: string): Promise<string> {
  if (id.length < MIN_ID_PREFIX) return id;
  const matches = await target.operator.idsStartingWith(id);
  if (matches.length > 1) throw new AmbiguousIdError(id, matches);
  return matches[0] ?? id;
}

/**
 * What to say when `id` named nothing: a shorter id may be the start of a
 * finished message, which only its full id finds (the index lists queued
 * messages, not finished ones), so say where the full id is to be had.
 */
export function notFoundDetail(target: Pick<Target, 'kind' | 'label'>, id: string, route?: string): string {
  const where = `${route ? `in route ${route} ` : ''}on the ${target.label}`;
  if (id.length >= FULL_ID_LENGTH) return `${where} (neither queued, finished in the last 30 days, nor dead-lettered)`;
  const source =
    target.kind === 'local'
      ? 'the "delivered <id> to <…>" or "bounced <id>" line of `npm start`\'s output'
      : 'the messageId of the drain\'s "delivery attempt" log line in CloudWatch Logs';
  return (
    `${where}: no queued or dead-lettered message id starts with ${id}, and a finished (delivered or bounced) message is found ` +
    `by its full ${FULL_ID_LENGTH}-character id only: take it from ${source}, or from the "250 Ok <id>" reply the sender got`
  );
}
