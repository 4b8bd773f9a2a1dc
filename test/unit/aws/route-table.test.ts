// The route table travels in the state table, read once per cold start.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { readRouteTable, RouteTableMissingError } from '../../../lambdas/adapters/aws/dynamo-route-table.js';
import { loadRuntimeSettings } from '../../../lambdas/app/runtime-settings.js';
import { ROUTE_TABLE_KEY } from '../../../lambdas/config/route-table.js';
import { ENV, SettingsError } from '../../../lambdas/config/settings.js';

const ddb = mockClient(DynamoDBDocumentClient);
afterEach(() => ddb.reset());
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }));

const routes = [
  { name: 'corp', domains: ['example.com'], primary: { host: 'mail.example.com', port: 587, tls: 'required' }, queueUrl: 'https://sqs/q', bouncePolicy: 'dsn' },
];
const env = { [ENV.tableName]: 'State', [ENV.bucketName]: 'bucket', [ENV.deadLetterQueueUrl]: 'https://sqs/dlq' };

describe('route table', () => {
  it('reads the config/routes item with a consistent read', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...ROUTE_TABLE_KEY, routes: JSON.stringify(routes) } });
    expect(JSON.parse(await readRouteTable(doc, 'State'))).toEqual(routes);
    expect(ddb.commandCalls(GetCommand)[0]!.args[0].input).toMatchObject({ TableName: 'State', Key: ROUTE_TABLE_KEY, ConsistentRead: true });
  });

  it('a missing item is RouteTableMissingError, naming the table and the fix', async () => {
    ddb.on(GetCommand).resolves({});
    const error = await readRouteTable(doc, 'State').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RouteTableMissingError);
    expect((error as Error).message).toMatch(/State.*cdk deploy/);
  });

  it('loadRuntimeSettings reads the table only when the environment has no routes', async () => {
    const reads: string[] = [];
    const read = async (table: string) => (reads.push(table), JSON.stringify(routes));
    const settings = await loadRuntimeSettings(env, read);
    expect(reads).toEqual(['State']);
    expect(settings.routes.map((r) => r.name)).toEqual(['corp']);
    const local = await loadRuntimeSettings({ ...env, [ENV.routes]: JSON.stringify([{ ...routes[0], name: 'local' }]) }, read);
    expect(local.routes[0]!.name).toBe('local');
    expect(reads).toHaveLength(1);
  });

  it('a malformed route table fails like a bad environment, naming the variable', async () => {
    await expect(loadRuntimeSettings(env, async () => '[{"name":""}]')).rejects.toBeInstanceOf(SettingsError);
  });
});
