// What each function may do in the state table, drawn along the partition
// keys (IAM's dynamodb:LeadingKeys; it cannot see sort keys), so each writes
// only the item kinds it owns (README: "Who may write what in the state table";
// test/security/data-ownership.test.ts evaluates these on the template):
//   'drain'   reads everything; writes route state (route#, its delivery record
//             included), message items (msg#), the notice budget and held notices
//             (notices#), and the orphaned-queue watch's record (stack#watch only);
//   'probe'   reads route state, the queued index and the stack records (stack#);
//             counts the held notices (Query with Select COUNT only: never their
//             text); writes route state (route#, its problems record included) and
//             the stack's problems record (stack#problems only);
//   'accept'  writes message summaries (msg#), archived envelopes (env#) and the
//             canary's arrival (stack#canary only), each only with its own
//             attributes (dynamodb:Attributes), no ReturnValues;
//   'trigger' reads and writes its gate (trigger#) only;
//   'canary'  reads and creates the canary's key (canary#), only with its attributes;
//   'recipients' reads and writes the synced recipient lists' pointers (recipients#) and the
//             rule writers' lease (rulewriter#, which no public function may write) only;
//             accept reads that key too (to recognise a canary), the drain reads everything.
//   'recipient-push' (faces anonymous callers) reads the stack's push key (pushkey#recipients,
//             to derive each route's push key; never the trigger's key, nor may it write its
//             own: only the operator's CLI creates it), reads recipients# and updates there only
//             the attributes a push writes (RECIPIENT_PUSH_ATTRIBUTES): never
//             appliedVersion/appliedAt, so it cannot mark a list's rules written.
// All but the drain read the route table item (config) and nothing else of it;
// none may write it: an explicit deny, which no later grant can undo. Only the
// deploy-time writer (route-table.ts) writes it.
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { ENVELOPE_ATTRIBUTES } from '../../lambdas/adapters/aws/dynamo-feature-stores.js';
import { CANARY_KEY_ATTRIBUTES } from '../../lambdas/adapters/aws/dynamo-canary-key.js';
import { CANARY_ARRIVAL_ATTRIBUTES, ORPHAN_WATCH_ATTRIBUTES, PROBLEM_STATE_ATTRIBUTES } from '../../lambdas/adapters/aws/dynamo-problem-records.js';
import { QUEUED_SUMMARY_ATTRIBUTES } from '../../lambdas/adapters/aws/dynamo-index-done.js';
import { ROUTE_TABLE_PARTITION } from '../../lambdas/config/route-table.js';
import { RECIPIENT_PUSH_KEY_ITEM } from '../../lambdas/adapters/aws/dynamo-push-key.js';
import { PK, SK } from '../../lambdas/adapters/aws/dynamo-keys.js';
import {
  CANARY_ARRIVAL_KEY,
  CANARY_KEY_PREFIX,
  ENVELOPE_KEY_PREFIX,
  MESSAGE_KEY_PREFIX,
  NOTICE_KEY_PREFIX,
  ORPHAN_WATCH_KEY,
  RECIPIENTS_KEY_PREFIX,
  ROUTE_KEY_PREFIX,
  RULE_WRITER_KEY_PREFIX,
  STACK_KEY_PREFIX,
  STACK_PROBLEMS_KEY,
  TRIGGER_KEY_PREFIX,
} from '../../lambdas/config/table-layout.js';

/**
 * What a push writes under recipients# (IAM cannot tell the two items apart: LeadingKeys sees no sort key):
 * the list pointer `list` (recipient-list-store.ts write: version, bodyKey, count, updatedAt, source, forced;
 * bodySha256, the body's digest; peakCount/peakAt, the list's high-water mark) and the push gate `push-gate`
 * (dynamo-push-gate.ts: timestamp, at). Not appliedVersion/appliedAt: only the rule writer notes rules written.
 */
export const RECIPIENT_PUSH_ATTRIBUTES = [PK, SK, 'version', 'bodyKey', 'count', 'updatedAt', 'source', 'forced', 'bodySha256', 'peakCount', 'peakAt', 'timestamp', 'at'] as const;

export type TableAccess = 'drain' | 'probe' | 'accept' | 'trigger' | 'canary' | 'recipients' | 'recipient-push';

/** Every action that writes an item (a transaction's writes are authorized as these). */
export const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable'];

type Conditions = Record<string, Record<string, unknown>>;
const leadingKeys = (...keys: string[]): Conditions => ({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': keys } });
/** A put of one item kind: its partitions (a prefix with `*`, or one exact key), only its attributes, and no ReturnValues (that would read the item it replaces). */
const onlyWith = (prefix: string, attributes: readonly string[], exact = false): Conditions => ({
  ...leadingKeys(exact ? prefix : `${prefix}*`),
  'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...attributes] },
  StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
});

/** The statements of one function's access to the table. */
export function tableStatements(table: dynamodb.ITable, access: TableAccess): iam.PolicyStatement[] {
  const allow = (actions: string[], resources: string[], conditions?: Conditions) => new iam.PolicyStatement({ actions, resources, ...(conditions ? { conditions } : {}) });
  const arn = table.tableArn;
  const index = `${arn}/index/*`;
  const config = ROUTE_TABLE_PARTITION;
  const denyRouteTable = new iam.PolicyStatement({
    effect: iam.Effect.DENY,
    actions: TABLE_WRITE_ACTIONS,
    resources: [arn],
    conditions: { 'ForAnyValue:StringEquals': { 'dynamodb:LeadingKeys': [config] } },
  });
  const grants: Record<TableAccess, iam.PolicyStatement[]> = {
    drain: [
      allow(TABLE_READ_ACTIONS, [arn, index]),
      allow(TABLE_WRITE_ACTIONS, [arn], leadingKeys(`${ROUTE_KEY_PREFIX}*`, `${MESSAGE_KEY_PREFIX}*`, `${NOTICE_KEY_PREFIX}*`)),
      allow(['dynamodb:PutItem'], [arn], onlyWith(ORPHAN_WATCH_KEY, ORPHAN_WATCH_ATTRIBUTES, true)),
    ],
    probe: [
      // BatchGetItem: a route's controls in one request (dynamo-route-state.ts); the same items GetItem may read.
      allow(['dynamodb:GetItem', 'dynamodb:BatchGetItem'], [arn], leadingKeys(`${ROUTE_KEY_PREFIX}*`, `${STACK_KEY_PREFIX}*`, config)),
      allow(['dynamodb:Query'], [index]), // queued counts per route (the byRoute index)
      // Held notices per route (HeldNotices): a count, never the notices (they carry the original headers).
      allow(['dynamodb:Query'], [arn], { ...leadingKeys(`${NOTICE_KEY_PREFIX}*`), StringEquals: { 'dynamodb:Select': 'COUNT' } }),
      allow(['dynamodb:PutItem'], [arn], leadingKeys(`${ROUTE_KEY_PREFIX}*`)),
      allow(['dynamodb:PutItem'], [arn], onlyWith(STACK_PROBLEMS_KEY, PROBLEM_STATE_ATTRIBUTES, true)),
    ],
    accept: [
      allow(['dynamodb:GetItem'], [arn], leadingKeys(config, `${CANARY_KEY_PREFIX}*`)),
      allow(['dynamodb:PutItem'], [arn], onlyWith(MESSAGE_KEY_PREFIX, QUEUED_SUMMARY_ATTRIBUTES)),
      allow(['dynamodb:PutItem'], [arn], onlyWith(ENVELOPE_KEY_PREFIX, ENVELOPE_ATTRIBUTES)),
      allow(['dynamodb:PutItem'], [arn], onlyWith(CANARY_ARRIVAL_KEY, CANARY_ARRIVAL_ATTRIBUTES, true)),
    ],
    trigger: [allow(['dynamodb:GetItem'], [arn], leadingKeys(config)), allow(['dynamodb:GetItem', 'dynamodb:PutItem'], [arn], leadingKeys(`${TRIGGER_KEY_PREFIX}*`))],
    canary: [allow(['dynamodb:GetItem'], [arn], leadingKeys(`${CANARY_KEY_PREFIX}*`)), allow(['dynamodb:PutItem'], [arn], onlyWith(CANARY_KEY_PREFIX, CANARY_KEY_ATTRIBUTES))],
    recipients: [
      allow(['dynamodb:GetItem'], [arn], leadingKeys(config)),
      allow(['dynamodb:GetItem', 'dynamodb:UpdateItem'], [arn], leadingKeys(`${RECIPIENTS_KEY_PREFIX}*`)),
      allow(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], [arn], leadingKeys(`${RULE_WRITER_KEY_PREFIX}*`)),
    ],
    'recipient-push': [
      // The exact partition of the push key item (read only: no write grant reaches pushkey#).
      allow(['dynamodb:GetItem'], [arn], { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [config, RECIPIENT_PUSH_KEY_ITEM[PK]] } }),
      allow(['dynamodb:GetItem'], [arn], leadingKeys(`${RECIPIENTS_KEY_PREFIX}*`)),
      allow(['dynamodb:UpdateItem'], [arn], onlyWith(RECIPIENTS_KEY_PREFIX, RECIPIENT_PUSH_ATTRIBUTES)),
    ],
  };
  return [denyRouteTable, ...grants[access]];
}
