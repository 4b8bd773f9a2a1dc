// The recipient-sync use case for one program: the list store (S3 body +
// state-table pointer) and the SES rule writer of our rule set. The deploy's
// custom resource builds it here, and so will the push endpoint: each only
// parses its input and calls SyncRecipients.
import type { S3Client } from '@aws-sdk/client-s3';
import type { SESClient } from '@aws-sdk/client-ses';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3RecipientListStore } from '../adapters/aws/recipient-list-store.js';
import { SesRecipientRules } from '../adapters/aws/rule-set/ses-recipient-rules.js';
import type { RecipientRules } from '../core/recipients/ports.js';
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
  log: Pick<DeliveryLog, 'info' | 'warn'>;
}

export function composeRecipientSync(parts: RecipientSyncParts): { sync: SyncRecipients; rules: RecipientRules } {
  const rules = 'apply' in parts.rules ? parts.rules : new SesRecipientRules(parts.rules.ses, parts.rules.ruleSetName);
  const store = new S3RecipientListStore(parts.doc, parts.tableName, parts.s3, parts.bucketName);
  const sync = new SyncRecipients({ routes: parts.routes, store, rules, clock: parts.clock ?? { now: () => new Date() }, log: parts.log });
  return { sync, rules };
}
