// Small wording helpers for lines people read: counts with the right plural,
// and long lists cut to a few items so one line stays one line.

/** "1 recipient", "3 recipients"; `many` for irregular plurals ("deliveries"). */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** Lines list at most this many items of a list. */
export const LIST_LIMIT = 3;

/** "a, b, c and 997 more" (all of them when there are at most `limit`). */
export function listSome(items: readonly string[], limit = LIST_LIMIT): string {
  if (items.length <= limit) return items.join(', ');
  return `${items.slice(0, limit).join(', ')} and ${items.length - limit} more`;
}
