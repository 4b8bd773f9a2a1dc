import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoLedger } from '../../../lambdas/adapters/aws/dynamo-ledger.js';
import { DynamoMessageIndex } from '../../../lambdas/adapters/aws/dynamo-message-index.js';
import { DynamoRouteState } from '../../../lambdas/adapters/aws/dynamo-route-state.js';

const doc = mockClient(DynamoDBDocumentClient);
afterEach(() => doc.reset());

const client = () => DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const throttled = () => new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} });
const now = new Date('2026-01-05T10:00:00.000Z');
const until = new Date('2026-01-05T10:05:00.000Z');

describe('DynamoRouteState error paths', () => {
  it('answers false when the lease condition fails', async () => {
    doc.on(PutCommand).rejects(conditionFailed());
    expect(await new DynamoRouteState(client(), 't').acquireLease('main', 'me', now, until)).toBe(false);
    const input = doc.commandCalls(PutCommand)[0]!.args[0].input;
    expect(input.ConditionExpression).toContain('attribute_not_exists');
    expect(input.Item).toMatchObject({ pk: 'route#main', sk: 'lease', owner: 'me', leaseUntil: until.toISOString() });
  });

  it('lets throttling through instead of reporting the lease as taken', async () => {
    doc.on(PutCommand).rejects(throttled());
    await expect(new DynamoRouteState(client(), 't').acquireLease('main', 'me', now, until)).rejects.toMatchObject({
      name: 'ProvisionedThroughputExceededException',
    });
  });

  it('ignores a failed release condition but not other errors', async () => {
    doc.on(DeleteCommand).rejectsOnce(conditionFailed()).rejects(throttled());
    const state = new DynamoRouteState(client(), 't');
    await expect(state.releaseLease('main', 'me')).resolves.toBeUndefined();
    await expect(state.releaseLease('main', 'me')).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
  });

  it('answers false when the sweep was claimed within the interval', async () => {
    doc.on(PutCommand).rejects(conditionFailed());
    expect(await new DynamoRouteState(client(), 't').claimSweep('main', now, 3600)).toBe(false);
    const values = doc.commandCalls(PutCommand)[0]!.args[0].input.ExpressionAttributeValues;
    expect(values).toEqual({ ':cutoff': '2026-01-05T09:00:00.000Z', ':yes': true });
  });
});

describe('DynamoMessageIndex error paths', () => {
  const summary = { messageId: 'm', route: 'main', sender: '', recipients: ['a@b.c'], receivedAt: now, state: 'queued' as const };

  it('answers false for a message already indexed, and lets throttling through', async () => {
    doc.on(PutCommand).rejectsOnce(conditionFailed()).rejects(throttled());
    const index = new DynamoMessageIndex(client(), 't');
    expect(await index.add(summary)).toBe(false);
    await expect(index.add(summary)).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
  });

  it('marks a message done with one update and writes the route\'s last-done time at most every 10 s', async () => {
    doc.on(UpdateCommand).resolves({});
    const index = new DynamoMessageIndex(client(), 't');
    await index.markDone('m1', 'main', now);
    await index.markDone('m2', 'main', new Date(now.getTime() + 1_000));
    await index.markDone('m3', 'main', new Date(now.getTime() + 11_000));
    const keys = doc.commandCalls(UpdateCommand).map((c) => `${c.args[0].input.Key!.pk}/${c.args[0].input.Key!.sk}`);
    expect(keys).toEqual(['msg#m1/meta#main', 'route#main/done', 'msg#m2/meta#main', 'msg#m3/meta#main', 'route#main/done']);
    expect(doc.commandCalls(QueryCommand)).toHaveLength(0);
    expect(doc.commandCalls(BatchWriteCommand)).toHaveLength(0);
  });
});

describe('DynamoLedger error paths', () => {
  it('lets a failed write through, so the drain does not delete the message', async () => {
    doc.on(UpdateCommand).rejects(throttled()); // record() is an UpdateItem: the attempts folded into the row stay
    await expect(
      new DynamoLedger(client(), 't').record('m', { recipient: 'a@b.c', state: 'delivered', attempts: 1, updatedAt: now }),
    ).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
  });
});
