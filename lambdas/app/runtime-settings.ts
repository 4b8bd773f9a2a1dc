// Settings of a deployed Lambda: the environment gives names and numbers, the
// route table comes from the state table (read once per cold start). A local
// run or a test that sets BACKUPMX_ROUTES reads nothing.
import { createAwsClients, type AwsClients } from '../adapters/aws/clients.js';
import { readRouteTable } from '../adapters/aws/dynamo-route-table.js';
import { ENV, loadSettings, type Settings } from '../config/settings.js';
import { Engine } from './engine.js';

export type RouteTableReader = (tableName: string) => Promise<string>;

/** loadSettings, with the routes read from the state table when the environment has none. */
export async function loadRuntimeSettings(env: NodeJS.ProcessEnv, read: RouteTableReader): Promise<Settings> {
  const tableName = env[ENV.tableName];
  if (env[ENV.routes] !== undefined || !tableName) return loadSettings(env);
  return loadSettings({ ...env, [ENV.routes]: await read(tableName) });
}

/** The engine of a Lambda container; a failed start is not cached, so the next event tries again. */
export function cachedEngine(env: NodeJS.ProcessEnv = process.env): () => Promise<Engine> {
  let engine: Promise<Engine> | undefined;
  return () =>
    (engine ??= (async () => {
      const clients: AwsClients = createAwsClients({ region: env.AWS_REGION ?? 'us-east-1', env });
      const settings = await loadRuntimeSettings(env, (table) => readRouteTable(clients.doc, table));
      return new Engine(settings, { clients });
    })().catch((error: unknown) => {
      engine = undefined;
      throw error;
    }));
}
