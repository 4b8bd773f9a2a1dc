// DynamoDB adapters of the notice ports (core/outcome/notice-ports.ts), in the one
// state table, one partition per route apart from its route# items (which
// the public trigger may touch):
//   notices#<route> / budget#<YYYY-MM-DDTHH>   notices taken that UTC hour (TTL 2 days)
//   notices#<route> / held#<id>#<copy>#<kind>  a held notice's summary (no TTL: it
//                                              waits until someone sends or discards it)
//   notices#<route> / raw#<id>#<copy>#<kind>   its text, up to ~70 KB
// The text lives under its own sort-key range so the probe's count (every
// minute, Select COUNT with begins_with held#) reads only the small
// summaries: DynamoDB bills a Query by the size of every item its key
// condition reads, COUNT or not. No counter item: one that drifted low could
// hide held mail, and the summaries are the truth.
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HeldNotice, HeldNoticeKind, HeldNotices, HeldNoticeSummary, HoldReason, NoticeBudget } from '../../core/outcome/notice-ports.js';
import { CONDITION_FAILED, isAwsError } from './aws-errors.js';
import { key, PK, SK, TTL } from './dynamo-keys.js';
import { optionalString, queryAll, type Item } from './dynamo-query.js';
import { NOTICE_KEY_PREFIX } from '../../config/table-layout.js';

const noticeKey = (route: string) => `${NOTICE_KEY_PREFIX}${route}`;
const budgetSort = (now: Date) => `budget#${now.toISOString().slice(0, 13)}`;
const HELD = 'held#';
const TEXT = 'raw#';
const noticeSort = (range: typeof HELD | typeof TEXT, messageId: string, copy: string, kind: HeldNoticeKind) => `${range}${messageId}#${copy}#${kind}`;
/** What a held notice's summary item holds (the text item: the keys, route, messageId, copy, kind and raw). */
export const HELD_SUMMARY_ATTRIBUTES = ['pk', 'sk', 'route', 'messageId', 'copy', 'kind', 'at', 'why', 'to', 'recipients'] as const;
export const HELD_TEXT_ATTRIBUTES = ['pk', 'sk', 'route', 'messageId', 'copy', 'kind', 'raw'] as const;
/** A budget item outlives its hour by this much (for `notices` to show the current hour's use). */
const BUDGET_KEEP_SECONDS = 2 * 86_400;

export class DynamoNoticeBudget implements NoticeBudget {
  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string) {}

  async take(route: string, now: Date, perHour: number): Promise<boolean> {
    if (perHour <= 0) return false;
    const hourStart = Math.floor(now.getTime() / 3_600_000) * 3_600;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(noticeKey(route), budgetSort(now)),
          // One atomic add under a condition: concurrent drains can never take more than perHour.
          UpdateExpression: 'ADD #used :one SET #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#used) OR #used < :limit',
          ExpressionAttributeNames: { '#used': 'used', '#ttl': TTL },
          ExpressionAttributeValues: { ':one': 1, ':limit': perHour, ':ttl': hourStart + 3_600 + BUDGET_KEEP_SECONDS },
        }),
      );
      return true;
    } catch (error) {
      if (isAwsError(error, CONDITION_FAILED)) return false;
      throw error;
    }
  }

  async used(route: string, now: Date): Promise<number> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key(noticeKey(route), budgetSort(now)), ConsistentRead: true }));
    return typeof Item?.used === 'number' ? Item.used : 0;
  }
}

export class DynamoHeldNotices implements HeldNotices {
  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string) {}

  async hold(notice: HeldNotice): Promise<void> {
    const { route, messageId, copy, kind } = notice;
    const pk = noticeKey(route);
    // The text first: a summary (what counts) never exists without it. A
    // failure between the two leaves only an uncounted text, replaced when
    // the same notice is held again, and the caller sees the rejection.
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...key(pk, noticeSort(TEXT, messageId, copy, kind)), route, messageId, copy, kind, raw: notice.raw } }));
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...key(pk, noticeSort(HELD, messageId, copy, kind)), route, messageId, copy, kind, at: notice.at.toISOString(), why: notice.why, to: notice.to, recipients: notice.recipients },
      }),
    );
  }

  async list(route: string): Promise<HeldNoticeSummary[]> {
    const items = await queryAll(this.doc, this.heldQuery(route));
    return items.map(toSummary).sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  async text(route: string, messageId: string, copy: string, kind: HeldNoticeKind): Promise<string | undefined> {
    const get = async (range: typeof HELD | typeof TEXT) =>
      (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key(noticeKey(route), noticeSort(range, messageId, copy, kind)), ConsistentRead: true }))).Item;
    const text = await get(TEXT);
    if (typeof text?.raw === 'string') return text.raw;
    // Held by a version that kept the text in the summary item.
    const summary = await get(HELD);
    return typeof summary?.raw === 'string' ? summary.raw : undefined;
  }

  async count(route: string): Promise<number> {
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new QueryCommand({ ...this.heldQuery(route), Select: 'COUNT', ExclusiveStartKey: start }));
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return count;
  }

  async remove(route: string, messageId: string, copy: string, kind: HeldNoticeKind): Promise<void> {
    // The summary first: once it is gone the notice is no longer held, and a text left by a failure is never counted.
    for (const range of [HELD, TEXT] as const) {
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: key(noticeKey(route), noticeSort(range, messageId, copy, kind)) }));
    }
  }

  /** The summaries only: the key condition never reaches the raw# range. */
  private heldQuery(route: string) {
    return {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :held)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': noticeKey(route), ':held': HELD },
      ConsistentRead: true,
    };
  }
}

function toSummary(item: Item): HeldNoticeSummary {
  return {
    route: String(item.route),
    messageId: String(item.messageId),
    copy: optionalString(item.copy) ?? '',
    kind: item.kind === 'delay' ? 'delay' : 'dsn',
    at: new Date(String(item.at)),
    why: (item.why === 'paused' ? 'paused' : 'budget') satisfies HoldReason,
    to: String(item.to ?? ''),
    recipients: Array.isArray(item.recipients) ? item.recipients.map(String) : [],
  };
}
