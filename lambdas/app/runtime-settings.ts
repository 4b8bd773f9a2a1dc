// Settings of a deployed Lambda: the environment gives names and numbers, the
// route table comes from the state table (read once per cold start, checked
// against the digest in the environment). A local run or a test that sets
// BACKUPMX_ROUTES reads nothing.
import { createAwsClients, type AwsClients } from '../adapters/aws/clients.js';
import { PowertoolsDeliveryLog } from '../adapters/aws/powertools-delivery-log.js';
import { readRouteTable } from '../adapters/aws/dynamo-route-table.js';
import { ENV, loadSettings, SettingsError, type Settings } from '../config/settings.js';
import { Engine } from './engine.js';
import { reportRefusedTable } from './refused-route-table.js';
import { regionOf } from './lambda-env.js';

/** Reads the table's routes for `digest`; rejects when the item is missing or does not match it. */
export type RouteTableReader = (tableName: string, digest: string) => Promise<string>;

/** loadSettings, with the routes read from the state table when the environment has none. */
export async function loadRuntimeSettings(env: NodeJS.ProcessEnv, read: RouteTableReader): Promise<Settings> {
  const tableName = env[ENV.tableName];
  if (env[ENV.routes] !== undefined || !tableName) return loadSettings(env);
  const digest = routeTableDigestOf(env);
  return loadSettings({ ...env, [ENV.routes]: await read(tableName, digest) });
}

/** The digest a function reading the route table must have been deployed with. */
export function routeTableDigestOf(env: NodeJS.ProcessEnv): string {
  const digest = env[ENV.routeTableDigest];
  if (!digest || !/^[0-9a-f]{64}$/.test(digest)) {
    throw new SettingsError(`${ENV.routeTableDigest}: required (64 hex digits) to read the route table; the stack sets it: deploy again with \`npx cdk deploy\``);
  }
  return digest;
}

/** The engine of a Lambda container; a failed start is not cached, so the next event tries again. */
export function cachedEngine(env: NodeJS.ProcessEnv): () => Promise<Engine> {
  let engine: Promise<Engine> | undefined;
  return () =>
    (engine ??= (async () => {
      const clients: AwsClients = createAwsClients({ region: regionOf(env), env });
      const settings = await loadRuntimeSettings(env, (table, digest) => readRouteTable(clients.doc, table, digest)).catch((error: unknown) => {
        reportRefusedTable(error, new PowertoolsDeliveryLog());
        throw error;
      });
      return new Engine(settings, { clients });
    })().catch((error: unknown) => {
      engine = undefined;
      throw error;
    }));
}
