// The per-recipient ledger and attempt history, under the message's partition:
// `rcpt#<address>` holds the latest outcome, `attempt#<ISO>#<address>` one try.
// Final outcomes and attempts get their TTL when written (KEEP_LEDGER_SECONDS: longer
// than any queue lifetime, so a delivered recipient's row outlives the retries of the
// others); a pending outcome has none, and rewriting it as pending (requeue) drops it.
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AttemptRecord, NoticeResult, RecipientOutcome, RecipientState, SmtpReply } from '../../core/model.js';
import type { Ledger } from '../../core/outcome/ports.js';
import { FINAL_STATES } from '../../core/model.js';
import { DynamoBatchReader } from './dynamo-batch-reader.js';
import { DynamoBatchWriter, LedgerWriteError } from './dynamo-batch-writer.js';
import { attemptSort, key, ledgerExpiresAt, messageKey, PK, recipientSort, SK, SORT, TTL } from './dynamo-keys.js';
import { optionalNumber, optionalString, queryAll, queryPartition, type Item } from './dynamo-query.js';
import { FOLDED_ATTEMPTS_MAX, HISTORY, historyEntry, historyOf, KnownHistories } from './ledger-history.js';

export { LedgerWriteError };

export class DynamoLedger implements Ledger {
  /** Shared by the drain's workers: their transactions' items go out together. */
  private readonly writer: DynamoBatchWriter;
  /** Shared by the drain's workers: their recipient reads go out together. */
  private readonly reader: DynamoBatchReader;
  /** The history of each recipient row read in this run, so attempts can be folded into it. */
  private readonly known = new KnownHistories();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Shared with the message index's done puts, so they go out in the same batches. */
    writer?: DynamoBatchWriter,
    /** The engine's, on the cached raw client (AwsClients.batchDynamo); by default one over `doc`. */
    reader?: DynamoBatchReader,
  ) {
    this.writer = writer ?? new DynamoBatchWriter(doc, tableName);
    this.reader = reader ?? new DynamoBatchReader(doc, tableName);
  }

  async outcomes(messageId: string): Promise<Map<string, RecipientOutcome>> {
    const items = await this.itemsWithPrefix(messageId, SORT.recipientPrefix);
    this.known.remember(messageId, [], items);
    return toOutcomes(items);
  }

  /** The recipients' rows by key (consistent BatchGetItem, grouped with other messages' reads in flight). */
  async outcomesFor(messageId: string, recipients: string[]): Promise<Map<string, RecipientOutcome>> {
    const items = await this.reader.get(recipients.map((r) => key(messageKey(messageId), recipientSort(r))));
    this.known.remember(messageId, recipients, items);
    return toOutcomes(items);
  }

  /** An UpdateItem, not a put: the attempts folded into the row stay. */
  async record(messageId: string, outcome: RecipientOutcome): Promise<void> {
    const item = outcomeItem(messageId, outcome);
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const set: string[] = [];
    const remove: string[] = [];
    Object.entries(item).forEach(([name, value], i) => {
      if (name === PK || name === SK) return;
      names[`#a${i}`] = name;
      if (value === undefined) remove.push(`#a${i}`);
      else {
        values[`:v${i}`] = value;
        set.push(`#a${i} = :v${i}`);
      }
    });
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(String(item[PK]), String(item[SK])),
        UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async addAttempt(attempt: AttemptRecord): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: attemptItem(attempt) }));
  }

  /**
   * BatchWriteItem, 25 items per call, grouped with other messages' writes in
   * flight; unprocessed items are retried. Each attempt rides in its
   * recipient's outcome row while that row holds fewer than
   * FOLDED_ATTEMPTS_MAX (one write unit instead of two), else it is a row of
   * its own; an outcome whose row was not read in this run is written by
   * UpdateItem so the row's earlier attempts stay.
   */
  async recordAttempts(messageId: string, entries: { outcome?: RecipientOutcome; attempt: AttemptRecord }[]): Promise<void> {
    // A batch may not name one key twice: the last write for a key wins, as it would with Puts in order.
    const items = new Map<string, Item>();
    const updates: RecipientOutcome[] = [];
    const folded = new Map<string, Item[]>();
    for (const { outcome, attempt } of entries) {
      const history = outcome ? (folded.get(outcome.recipient) ?? this.known.get(messageId, outcome.recipient)) : undefined;
      if (outcome && history === undefined) {
        updates.push(outcome);
        items.set(String(attemptItem(attempt)[SK]), attemptItem(attempt));
        continue;
      }
      if (outcome && history !== undefined) {
        const fold = history.length < FOLDED_ATTEMPTS_MAX;
        const next = fold ? [...history, historyEntry(attempt)] : history;
        folded.set(outcome.recipient, next);
        items.set(String(recipientSort(outcome.recipient)), { ...outcomeItem(messageId, outcome), [HISTORY]: next.length ? next : undefined });
        if (fold) continue;
      }
      items.set(String(attemptItem(attempt)[SK]), attemptItem(attempt));
    }
    await Promise.all([this.writer.write([...items.values()]), ...updates.map((outcome) => this.record(messageId, outcome))]);
    for (const [recipient, history] of folded) this.known.set(messageId, recipient, history);
  }

  /** Attempt rows and the attempts folded into outcome rows, oldest first (one Query of the message's partition). */
  async attempts(messageId: string): Promise<AttemptRecord[]> {
    const items = await queryPartition(this.doc, this.tableName, PK, messageKey(messageId));
    const toAttempt = (recipient: unknown, entry: Item): AttemptRecord => ({
      messageId,
      recipient: String(recipient),
      at: new Date(String(entry.at)),
      relay: String(entry.relay ?? ''),
      state: entry.state as RecipientState,
      reply: toReply(entry.reply) ?? { text: '' },
      delaySeconds: Number(entry.delaySeconds ?? 0),
    });
    const attempts: AttemptRecord[] = [];
    for (const item of items) {
      const sk = String(item[SK]);
      if (sk.startsWith(SORT.attemptPrefix)) attempts.push(toAttempt(item.recipient, item));
      else if (sk.startsWith(SORT.recipientPrefix)) for (const entry of historyOf(item)) attempts.push(toAttempt(item.recipient, entry));
    }
    return attempts.sort((a, b) => a.at.getTime() - b.at.getTime());
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
    notice: outcome.notice,
    noticeResult: outcome.noticeResult ? { ...outcome.noticeResult } : undefined,
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

const NOTICE_RESULTS: readonly NoticeResult['kind'][] = ['dsn', 'dead-letter', 'suppressed', 'held', 'discarded'];

function toNoticeResult(value: unknown): NoticeResult | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const raw = value as Item;
  const kind = NOTICE_RESULTS.find((k) => k === raw.kind);
  if (!kind) return undefined;
  const why = optionalString(raw.why);
  return why === undefined ? { kind } : { kind, why };
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
    if (item.notice === 'due' || item.notice === 'pending' || item.notice === 'done') outcome.notice = item.notice;
    const noticeResult = toNoticeResult(item.noticeResult);
    if (noticeResult) outcome.noticeResult = noticeResult;
    outcomes.set(outcome.recipient, outcome);
  }
  return outcomes;
}
