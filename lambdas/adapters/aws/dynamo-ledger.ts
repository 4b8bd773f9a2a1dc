// The per-recipient ledger and attempt history, under the message's partition:
// `rcpt#<address>` holds the latest outcome, `attempt#<ISO>#<address>` one try.
// Final outcomes and attempts get their TTL when written (KEEP_LEDGER_SECONDS: longer
// than any queue lifetime, so a delivered recipient's row outlives the retries of the
// others); a pending outcome has none, and rewriting it as pending (requeue) drops it.
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AttemptRecord, RecipientOutcome, RecipientState, SmtpReply } from '../../core/model.js';
import type { Ledger } from '../../core/ports.js';
import { FINAL_STATES } from '../../core/model.js';
import { DynamoBatchReader } from './dynamo-batch-reader.js';
import { DynamoBatchWriter, LedgerWriteError } from './dynamo-batch-writer.js';
import { attemptSort, key, ledgerExpiresAt, messageKey, PK, recipientSort, SK, SORT, TTL } from './dynamo-keys.js';
import { optionalNumber, optionalString, queryAll, type Item } from './dynamo-query.js';

export { LedgerWriteError };

export class DynamoLedger implements Ledger {
  /** Shared by the drain's workers: their transactions' items go out together. */
  private readonly writer: DynamoBatchWriter;
  /** Shared by the drain's workers: their recipient reads go out together. */
  private readonly reader: DynamoBatchReader;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.writer = new DynamoBatchWriter(doc, tableName);
    this.reader = new DynamoBatchReader(doc, tableName);
  }

  async outcomes(messageId: string): Promise<Map<string, RecipientOutcome>> {
    return toOutcomes(await this.itemsWithPrefix(messageId, SORT.recipientPrefix));
  }

  /** The recipients' rows by key (consistent BatchGetItem, grouped with other messages' reads in flight). */
  async outcomesFor(messageId: string, recipients: string[]): Promise<Map<string, RecipientOutcome>> {
    return toOutcomes(await this.reader.get(recipients.map((r) => key(messageKey(messageId), recipientSort(r)))));
  }

  async record(messageId: string, outcome: RecipientOutcome): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: outcomeItem(messageId, outcome) }));
  }

  async addAttempt(attempt: AttemptRecord): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: attemptItem(attempt) }));
  }

  /**
   * BatchWriteItem, 25 items per call (outcomes and attempts together), grouped
   * with other messages' writes in flight; unprocessed items are retried.
   */
  async recordAttempts(messageId: string, entries: { outcome?: RecipientOutcome; attempt: AttemptRecord }[]): Promise<void> {
    // A batch may not name one key twice: the last write for a key wins, as it would with Puts in order.
    const items = new Map<string, Item>();
    for (const { outcome, attempt } of entries) {
      for (const item of [outcome && outcomeItem(messageId, outcome), attemptItem(attempt)]) {
        if (item) items.set(`${String(item[SK])}`, item);
      }
    }
    await this.writer.write([...items.values()]);
  }

  async attempts(messageId: string): Promise<AttemptRecord[]> {
    // Sort keys start with the ISO time, so the query returns them oldest first.
    const items = await this.itemsWithPrefix(messageId, SORT.attemptPrefix);
    return items.map((item) => ({
      messageId,
      recipient: String(item.recipient),
      at: new Date(String(item.at)),
      relay: String(item.relay ?? ''),
      state: item.state as RecipientState,
      reply: toReply(item.reply) ?? { text: '' },
      delaySeconds: Number(item.delaySeconds ?? 0),
    }));
  }

  private itemsWithPrefix(messageId: string, prefix: string): Promise<Item[]> {
    return queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': messageKey(messageId), ':prefix': prefix },
      ConsistentRead: true,
    });
  }
}


function outcomeItem(messageId: string, outcome: RecipientOutcome): Item {
  return {
    [PK]: messageKey(messageId),
    [SK]: recipientSort(outcome.recipient),
    messageId,
    recipient: outcome.recipient,
    state: outcome.state,
    reply: outcome.reply ? { ...outcome.reply } : undefined,
    attempts: outcome.attempts,
    updatedAt: outcome.updatedAt.toISOString(),
    [TTL]: FINAL_STATES.includes(outcome.state) ? ledgerExpiresAt(outcome.updatedAt) : undefined,
  };
}

function attemptItem(attempt: AttemptRecord): Item {
  return {
    [PK]: messageKey(attempt.messageId),
    [SK]: attemptSort(attempt.at, attempt.recipient),
    messageId: attempt.messageId,
    recipient: attempt.recipient,
    at: attempt.at.toISOString(),
    relay: attempt.relay,
    state: attempt.state,
    reply: { ...attempt.reply },
    delaySeconds: attempt.delaySeconds,
    [TTL]: ledgerExpiresAt(attempt.at),
  };
}

function toReply(value: unknown): SmtpReply | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const raw = value as Item;
  const reply: SmtpReply = { text: String(raw.text ?? '') };
  const code = optionalNumber(raw.code);
  if (code !== undefined) reply.code = code;
  const enhanced = optionalString(raw.enhanced);
  if (enhanced !== undefined) reply.enhanced = enhanced;
  const errorCode = optionalString(raw.errorCode);
  if (errorCode !== undefined) reply.errorCode = errorCode;
  return reply;
}

function toOutcomes(items: Item[]): Map<string, RecipientOutcome> {
  const outcomes = new Map<string, RecipientOutcome>();
  for (const item of items) {
    const outcome: RecipientOutcome = {
      recipient: String(item.recipient),
      state: item.state as RecipientState,
      attempts: Number(item.attempts ?? 0),
      updatedAt: new Date(String(item.updatedAt)),
    };
    const reply = toReply(item.reply);
    if (reply) outcome.reply = reply;
    outcomes.set(outcome.recipient, outcome);
  }
  return outcomes;
}
