// The recipient push function's use case, from its environment: the route
// table (read once a call is authenticated, checked against its digest) gives
// the synced routes and their limits; the list store is the one the deploy
// writes; the rules are left to the private rule writer, asked by an
// asynchronous invoke. No SES client, no engine, no SMTP.
import { S3Client } from '@aws-sdk/client-s3';
import { createTriggerClients, type TriggerClients } from '../adapters/aws/clients.js';
import { DynamoPushGate } from '../adapters/aws/dynamo-push-gate.js';
import { readRouteTable } from '../adapters/aws/dynamo-route-table.js';
import { DynamoPushKey } from '../adapters/aws/dynamo-push-key.js';
import { LambdaRuleWriterRequester } from '../adapters/aws/lambda-rule-writer-requester.js';
import { PowertoolsDeliveryLog } from '../adapters/aws/powertools-delivery-log.js';
import { PowertoolsMetrics } from '../adapters/aws/powertools-metrics.js';
import { S3RecipientListStore } from '../adapters/aws/recipient-list-store.js';
import { loadRecipientPushSettings, type RecipientPushSettings } from '../config/recipient-push-settings.js';
import type { RecipientRules } from '../core/recipients/ports.js';
import { RecipientPushEndpoint, type PushEndpointDeps } from '../core/recipients/push-endpoint.js';
import { SyncRecipients } from '../core/recipients/sync-recipients.js';
import type { SyncedRoute } from '../core/recipients/synced-route.js';
import { regionOf } from './lambda-env.js';
import { syncedRoutesOfTable } from './synced-routes-of-table.js';
import { reportRefusedTable } from './refused-route-table.js';

/** The push never writes rules itself: a writer that refuses says so if it ever were asked. */
const NO_RULES: RecipientRules = {
  apply: () => Promise.reject(new Error('the push function writes no receipt rules (the rule writer does)')),
  remove: () => Promise.reject(new Error('the push function removes no receipt rules')),
};

export interface PushParts {
  settings: RecipientPushSettings;
  clients: TriggerClients & { s3: S3Client };
  /** RecipientPushRefused and RecipientsRemoved (default: EMF lines, namespace BackupMx, dimensions service and stack). */
  metrics?: PushEndpointDeps['metrics'];
}

export function composeRecipientPush({ settings, clients, metrics }: PushParts): RecipientPushEndpoint {
  const log = new PowertoolsDeliveryLog();
  const clock = { now: () => new Date() };
  let table: Promise<SyncedRoute[]> | undefined;
  const routes = () =>
    (table ??= readRouteTable(clients.doc, settings.tableName, settings.routeTableDigest)
      .then(syncedRoutesOfTable)
      .catch((error: unknown) => {
        table = undefined; // a failed read is not kept: the next call reads again
        reportRefusedTable(error, log);
        throw error;
      }));
  const store = new S3RecipientListStore(clients.doc, settings.tableName, clients.s3, settings.bucketName);
  // SyncRecipients is built on the routes once they are read (after a call is authenticated).
  const sync = { push: async (...args: Parameters<SyncRecipients['push']>) => new SyncRecipients({ routes: await routes(), store, rules: NO_RULES, clock, log }).push(...args) };
  return new RecipientPushEndpoint({
    // The stack's push key (pushkey#recipients), never the trigger's: the trigger's holders cannot derive a route's key.
    key: new DynamoPushKey(clients.doc, settings.tableName),
    gate: new DynamoPushGate(clients.doc, settings.tableName),
    routes,
    sync,
    ruleWriter: new LambdaRuleWriterRequester(clients.lambda, settings.ruleWriterFunctionName),
    clock,
    log,
    metrics: metrics ?? new PowertoolsMetrics({ stackName: settings.stackName }),
    maxBodyBytes: settings.maxBodyBytes,
  });
}

/** The push function's use case from its environment. Does no I/O until a call comes. */
export function awsRecipientPush(env: NodeJS.ProcessEnv): RecipientPushEndpoint {
  const settings = loadRecipientPushSettings(env);
  const region = regionOf(env);
  const clients = createTriggerClients({ region, env });
  return composeRecipientPush({ settings, clients: { ...clients, s3: new S3Client({ region }) } });
}
