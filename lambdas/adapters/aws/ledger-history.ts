// Attempts folded into the recipient's outcome row. Writing each attempt as a
// row of its own costs a second write unit per recipient and transaction; the
// first few attempts ride in the outcome row instead (`history`, oldest first),
// which stays under 1 KB (one write unit). Later attempts of a recipient that
// keeps being deferred get rows of their own again, so a row never grows past
// a few hundred bytes per write. `attempts()` reads both, so `show` loses
// nothing.
//
// Folding needs the row's current history: the ledger remembers what it read
// for a message in this run (a drain reads a message's rows right before it
// writes its outcomes). Without that, the outcome is written by UpdateItem,
// which keeps whatever history the row has.
import type { AttemptRecord } from '../../core/model.js';
import type { Item } from './dynamo-query.js';

export const HISTORY = 'history';
/** Attempts kept in the outcome row; further ones are rows of their own. */
export const FOLDED_ATTEMPTS_MAX = 2;
/** Messages whose rows the ledger remembers (a drain has at most a few hundred in hand). */
const REMEMBERED_MESSAGES_MAX = 5_000;

/** An attempt as kept in the outcome row (the row already says which message and recipient). */
export function historyEntry(attempt: AttemptRecord): Item {
  return { at: attempt.at.toISOString(), relay: attempt.relay, state: attempt.state, reply: { ...attempt.reply }, delaySeconds: attempt.delaySeconds };
}

export function historyOf(item: Item | undefined): Item[] {
  const history = item?.[HISTORY];
  return Array.isArray(history) ? (history as Item[]) : [];
}

/**
 * What the ledger knows of each recipient row of the messages it read: the
 * row's history, or [] when the read found no row. Unknown: undefined.
 */
export class KnownHistories {
  private readonly byMessage = new Map<string, Map<string, Item[]>>();

  /** After a read of `recipients`' rows of a message: `items` are the rows found. */
  remember(messageId: string, recipients: string[], items: Item[]): void {
    const rows = new Map<string, Item[]>(recipients.map((r) => [r, []]));
    for (const item of items) rows.set(String(item.recipient), historyOf(item));
    const known = this.byMessage.get(messageId);
    if (known) for (const [r, h] of rows) known.set(r, h);
    else {
      if (this.byMessage.size >= REMEMBERED_MESSAGES_MAX) this.byMessage.delete(this.byMessage.keys().next().value!);
      this.byMessage.set(messageId, rows);
    }
  }

  get(messageId: string, recipient: string): Item[] | undefined {
    return this.byMessage.get(messageId)?.get(recipient);
  }

  set(messageId: string, recipient: string, history: Item[]): void {
    this.byMessage.get(messageId)?.set(recipient, history);
  }
}
