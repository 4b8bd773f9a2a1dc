// DynamoRouteState.controls reads the route's controls with one BatchGetItem;
// a key DynamoDB leaves unprocessed (throttling) is asked for again, and a read
// still missing a key after three rounds fails whole: a missing hold item would
// otherwise read as "not held" and a drain would deliver through a hold.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoRouteState } from '../../../lambdas/adapters/aws/dynamo-route-state.js';

const doc = mockClient(DynamoDBDocumentClient);
afterEach(() => doc.reset());
const state = () => new DynamoRouteState(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), 'table');
const holdKey = { pk: 'route#main', sk: 'hold' };
const holdItem = { ...holdKey, route: 'main', since: '2026-01-05T10:00:00.000Z', reason: 'migration' };
const asked = () => doc.commandCalls(BatchGetCommand).map((c) => c.args[0].input.RequestItems!.table!);

describe('DynamoRouteState.controls and unprocessed keys', () => {
  it('asks for the three items, strongly consistent, in one request', async () => {
    doc.on(BatchGetCommand).resolves({ Responses: { table: [holdItem] } });
    expect(await state().controls('main')).toEqual({ hold: { since: new Date(holdItem.since), reason: 'migration' }, windows: { windows: [], version: 0 } });
    expect(asked()).toEqual([{ Keys: [holdKey, { pk: 'route#main', sk: 'windows' }, { pk: 'route#main', sk: 'redirect' }], ConsistentRead: true }]);
  });

  it('asks again for what was left unprocessed, and answers with it', async () => {
    doc.on(BatchGetCommand).resolvesOnce({ Responses: { table: [] }, UnprocessedKeys: { table: { Keys: [holdKey] } } }).resolves({ Responses: { table: [holdItem] } });
    expect((await state().controls('main')).hold).toEqual({ since: new Date(holdItem.since), reason: 'migration' });
    expect(asked().map((r) => r.Keys)).toEqual([expect.any(Array), [holdKey]]);
  });

  it('fails after three rounds rather than answer without the hold', async () => {
    doc.on(BatchGetCommand).resolves({ Responses: { table: [] }, UnprocessedKeys: { table: { Keys: [holdKey] } } });
    await expect(state().controls('main')).rejects.toThrow("1 of the route's controls still unread after 3 rounds");
    expect(asked()).toHaveLength(3);
  });
});
