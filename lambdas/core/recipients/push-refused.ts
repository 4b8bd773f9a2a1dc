// Why a push was refused: typed, so the push endpoint can answer with the
// reason and the CLI can print the fix.

export type PushRefusal =
  | 'unknown-route'
  | 'empty'
  | 'invalid-address'
  | 'outside-domains'
  | 'over-budget'
  | 'shrink'
  | 'first-push'
  | 'conflict';

export class RecipientPushRefused extends Error {
  constructor(
    readonly reason: PushRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'RecipientPushRefused';
  }
}

/** The first few entries of a list, for a message. */
export function some(items: readonly string[], max = 3): string {
  const shown = items.slice(0, max).map((i) => `"${i}"`).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}
