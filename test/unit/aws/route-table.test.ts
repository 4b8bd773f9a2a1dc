// The route table travels in the state table, read once per cold start and
// checked against the digest the function was deployed with.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { readRouteTable, RouteTableMissingError } from '../../../lambdas/adapters/aws/dynamo-route-table.js';
import { loadRuntimeSettings } from '../../../lambdas/app/runtime-settings.js';
import { checkRouteTable, RouteTableDigestError, routeTableDigest, routeTableKey } from '../../../lambdas/config/route-table.js';
import { ENV, SettingsError } from '../../../lambdas/config/settings.js';

const ddb = mockClient(DynamoDBDocumentClient);
afterEach(() => ddb.reset());
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }));

const routes = [
  { name: 'corp', domains: ['example.com'], primary: { host: 'mail.example.com', port: 587, tls: 'required' }, queueUrl: 'https://sqs/q', bouncePolicy: 'dsn' },
];
const digest = routeTableDigest(routes);
const env = { [ENV.tableName]: 'State', [ENV.bucketName]: 'bucket', [ENV.deadLetterQueueUrl]: 'https://sqs/dlq', [ENV.routeTableDigest]: digest };

describe('route table', () => {
  it('reads the item of its digest (config/routes#<digest>) with a consistent read', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...routeTableKey(digest), routes: JSON.stringify(routes) } });
    expect(JSON.parse(await readRouteTable(doc, 'State', digest))).toEqual(routes);
    expect(ddb.commandCalls(GetCommand)[0]!.args[0].input).toMatchObject({ TableName: 'State', Key: { pk: 'config', sk: `routes#${digest}` }, ConsistentRead: true });
  });

  it('a missing item is RouteTableMissingError, naming the table and the fix', async () => {
    ddb.on(GetCommand).resolves({});
    const error = await readRouteTable(doc, 'State', digest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RouteTableMissingError);
    expect((error as Error).message).toMatch(/State.*cdk deploy/);
  });

  it('an item whose content is not what was deployed is refused (RouteTableDigestError)', async () => {
    const tampered = [{ ...routes[0]!, primary: { ...routes[0]!.primary, host: 'mx.attacker.example' } }];
    ddb.on(GetCommand).resolves({ Item: { ...routeTableKey(digest), routes: JSON.stringify(tampered) } });
    const error = await readRouteTable(doc, 'State', digest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RouteTableDigestError);
    expect((error as Error).message).toMatch(/cdk deploy/);
  });

  it('the digest ignores key order and queue URLs, and nothing else', () => {
    const reordered = [{ bouncePolicy: 'dsn', queueUrl: 'https://sqs/other', primary: { tls: 'required', port: 587, host: 'mail.example.com' }, domains: ['example.com'], name: 'corp' }];
    expect(routeTableDigest(reordered)).toBe(digest);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    for (const changed of [
      [{ ...routes[0]!, domains: ['example.com', 'example.net'] }],
      [{ ...routes[0]!, primary: { ...routes[0]!.primary, port: 25 } }],
      [{ ...routes[0]!, primary: { ...routes[0]!.primary, tls: 'none' } }],
      [{ ...routes[0]!, bouncePolicy: 'dead-letter' }],
      [...routes, { ...routes[0]!, name: 'second' }],
    ]) {
      expect(routeTableDigest(changed)).not.toBe(digest);
    }
    expect(() => checkRouteTable('not json', digest)).toThrow(RouteTableDigestError);
    expect(() => checkRouteTable('{"name":"corp"}', digest)).toThrow(RouteTableDigestError);
  });

  it('loadRuntimeSettings reads the table only when the environment has no routes', async () => {
    const reads: string[] = [];
    const read = async (table: string, wanted: string) => (reads.push(`${table}/${wanted}`), JSON.stringify(routes));
    const settings = await loadRuntimeSettings(env, read);
    expect(reads).toEqual([`State/${digest}`]);
    expect(settings.routes.map((r) => r.name)).toEqual(['corp']);
    const local = await loadRuntimeSettings({ ...env, [ENV.routes]: JSON.stringify([{ ...routes[0], name: 'local' }]) }, read);
    expect(local.routes[0]!.name).toBe('local');
    expect(reads).toHaveLength(1);
  });

  it('reading the table without a digest in the environment is a settings error naming the variable', async () => {
    const { [ENV.routeTableDigest]: _digest, ...withoutDigest } = env;
    await expect(loadRuntimeSettings(withoutDigest, async () => JSON.stringify(routes))).rejects.toThrow(new RegExp(ENV.routeTableDigest));
  });

  it('a malformed route table fails like a bad environment, naming the variable', async () => {
    await expect(loadRuntimeSettings(env, async () => '[{"name":""}]')).rejects.toBeInstanceOf(SettingsError);
  });
});
