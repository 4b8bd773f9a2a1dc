// The recipient-sync use case for one program: the list store (S3 body +
// state-table pointer) and the SES rule writer of our rule set, serialised with
// every other writer of the set by a lease in the state table. The deploy's
// custom resource builds it here, and so will the push endpoint: each only
// parses its input and calls SyncRecipients.
import type { S3Client } from '@aws-sdk/client-s3';
import type { SESClient } from '@aws-sdk/client-ses';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { DynamoRuleWriterLease } from '../adapters/aws/dynamo-rule-writer-lease.js';
import { S3RecipientListStore } from '../adapters/aws/recipient-list-store.js';
import { SesRecipientRules } from '../adapters/aws/rule-set/ses-recipient-rules.js';
import type { RecipientListStore, RecipientRules } from '../core/recipients/ports.js';
import { RuleWriterLock } from '../core/recipients/rule-writer-lock.js';
import { SyncRecipients } from '../core/recipients/sync-recipients.js';
import type { SyncedRoute } from '../core/recipients/synced-route.js';
import type { Clock, DeliveryLog } from '../core/runtime/ports.js';

export interface RecipientSyncParts {
  doc: DynamoDBDocumentClient;
  s3: S3Client;
  tableName: string;
  bucketName: string;
  routes: SyncedRoute[];
  /** SES and our set's name in AWS; locally the stand-in reads the store itself, so its rules are a no-op writer. */
  rules: RecipientRules | { ses: SESClient; ruleSetName: string };
  clock?: Clock;
  log: Pick<DeliveryLog, 'info' | 'warn' | 'error'>;
  /**
   * Who writes (SES only): the deploy's custom resource (waits DEPLOY_LEASE_WAIT_MS, goes before push writers,
   * records its route table) or a push's writer (the default: waits PUSH_WRITER_LEASE_WAIT_MS, gives way to a
   * waiting deploy, writes nothing when the deploy recorded another route table than its own).
   */
  writer?: { as: 'deploy' | 'push'; routeTableDigest?: string };
}

/** A push's writer waits this long for another writer, then fails (Lambda retries an async invocation twice). */
export const PUSH_WRITER_LEASE_WAIT_MS = 5 * 60_000;
/**
 * The deploy waits at most this long, so the wait and its own write end well
 * inside the function's 15 minutes (the arithmetic is in
 * test/unit/cdk/recipient-sync-budget.test.ts): long enough for a push's
 * writer already holding the lease to finish a full route (199 rules ≈ 200 s),
 * and no new push writer starts meanwhile (the deploy's mark).
 */
export const DEPLOY_LEASE_WAIT_MS = 4 * 60_000;

export function composeRecipientSync(parts: RecipientSyncParts): { sync: SyncRecipients; rules: RecipientRules; store: RecipientListStore; lock?: RuleWriterLock } {
  const clock = parts.clock ?? { now: () => new Date() };
  const ses = 'apply' in parts.rules ? undefined : parts.rules;
  const rules = ses ? new SesRecipientRules(ses.ses, ses.ruleSetName) : (parts.rules as RecipientRules);
  const lock = ses
    ? new RuleWriterLock({
        lease: new DynamoRuleWriterLease(parts.doc, parts.tableName, ses.ruleSetName),
        clock,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        owner: randomUUID(),
        as: parts.writer?.as ?? 'push',
        ...(parts.writer?.routeTableDigest ? { routeTableDigest: parts.writer.routeTableDigest } : {}),
        waitMs: parts.writer?.as === 'deploy' ? DEPLOY_LEASE_WAIT_MS : PUSH_WRITER_LEASE_WAIT_MS,
        log: parts.log,
      })
    : undefined;
  const store = new S3RecipientListStore(parts.doc, parts.tableName, parts.s3, parts.bucketName);
  const sync = new SyncRecipients({ routes: parts.routes, store, rules, clock, log: parts.log, ...(lock ? { lock } : {}) });
  return { sync, rules, store, ...(lock ? { lock } : {}) };
}
