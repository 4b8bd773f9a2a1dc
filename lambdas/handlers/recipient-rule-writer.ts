// The private rule writer: after the public push function stored a synced
// route's list, it invokes this function asynchronously to write the route's
// receipt rules (it holds no SES permission itself: SES cannot scope
// receipt-rule actions to one rule set). SES cannot scope them for this
// function either, so its event is the only boundary: it takes exactly
// `{ applyRules: <route name> }` and nothing else (anything more, less or
// shaped otherwise is refused before anything is read or written), and the
// route, its domains and limits, the set, table and bucket come from the
// stack's settings and the digest-checked route table, never from the event.
// The deploy's custom resource is a separate function (recipient-sync-deploy.ts)
// the push may not invoke.
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PowertoolsDeliveryLog } from '../adapters/aws/powertools-delivery-log.js';
import type { ApplyRulesEvent } from '../adapters/aws/lambda-rule-writer-requester.js';
import { readRouteTable } from '../adapters/aws/dynamo-route-table.js';
import { composeRecipientSync } from '../app/compose-recipients.js';
import { lambdaEnv } from '../app/lambda-env.js';
import { syncedRoutesOfTable } from '../app/synced-routes-of-table.js';
import { loadRuleWriterSettings } from '../config/recipient-push-settings.js';
import type { RuleApplyReport } from '../core/recipients/ports.js';
import type { SyncRecipients } from '../core/recipients/sync-recipients.js';
import type { SyncedRoute } from '../core/recipients/synced-route.js';
import { controlPlaneClients } from './activate-rule-set.js';

/** A route name as the config takes it (lib/config/field-schemas.ts routeName; the same in a test). */
export const ROUTE_NAME_FORM = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

export class RuleWriterEventRefused extends Error {
  constructor(why: string) {
    super(`rule writer: event refused (${why}); it takes only { "applyRules": "<route name>" }, sent by the recipient push function`);
    this.name = 'RuleWriterEventRefused';
  }
}

/** The route an event asks for, or RuleWriterEventRefused: one own property `applyRules`, a string of route-name form. */
export function applyRulesRoute(event: unknown): string {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new RuleWriterEventRefused('not an object');
  const keys = Reflect.ownKeys(event);
  if (keys.length !== 1 || keys[0] !== 'applyRules') throw new RuleWriterEventRefused(`fields ${JSON.stringify(keys.map(String))}`);
  const route = (event as { applyRules: unknown }).applyRules;
  if (typeof route !== 'string' || !ROUTE_NAME_FORM.test(route)) throw new RuleWriterEventRefused('applyRules is not a route name');
  return route;
}

/** The writer's pass: the route's rules from the newest stored list, the route read from `routes()` (the route table). */
export function makeApplyRulesHandler(build: (routes: SyncedRoute[]) => { sync: SyncRecipients }, routes: () => Promise<SyncedRoute[]>) {
  return async (event: unknown): Promise<RuleApplyReport> => {
    const route = applyRulesRoute(event);
    // An unknown or unsynced route is refused by the use case (RecipientPushRefused): nothing is written.
    return build(await routes()).sync.applyRules(route);
  };
}

function ruleWriter() {
  const { tableName, bucketName, ruleSetName, routeTableDigest } = loadRuleWriterSettings(lambdaEnv());
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  return makeApplyRulesHandler(
    (routes) => composeRecipientSync({ doc, s3: new S3Client({}), tableName, bucketName, routes, rules: { ses: controlPlaneClients().ses, ruleSetName }, log: new PowertoolsDeliveryLog(), writer: { as: 'push', routeTableDigest } }),
    async () => syncedRoutesOfTable(await readRouteTable(doc, tableName, routeTableDigest)),
  );
}

export type { ApplyRulesEvent };
export const handler = async (event: unknown): Promise<RuleApplyReport> => ruleWriter()(event);
