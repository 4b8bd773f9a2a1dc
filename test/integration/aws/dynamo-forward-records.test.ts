// DynamoForwardRecords on the emulator: the contract, and what the table
// layout promises of a forward record: it sits in the message's partition
// with the ledger rows' TTL, and none of the reads of the ledger, the index or
// the dead-letter store (the drain's per-message reads among them) sees it.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeadLetterStore } from '../../../lambdas/adapters/aws/dynamo-dead-letter-store.js';
import { DynamoForwardRecords } from '../../../lambdas/adapters/aws/dynamo-forward-records.js';
import { forwardSort, key, KEEP_LEDGER_SECONDS, messageKey, TTL } from '../../../lambdas/adapters/aws/dynamo-keys.js';
import { DynamoLedger } from '../../../lambdas/adapters/aws/dynamo-ledger.js';
import { DynamoLedgerPurge } from '../../../lambdas/adapters/aws/dynamo-ledger-purge.js';
import { DynamoMessageIndex } from '../../../lambdas/adapters/aws/dynamo-message-index.js';
import { forwardRecordsContract } from '../../contracts/forward-records.contract.js';
import { uniqueId } from '../../contracts/contract-ids.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

let env: EmulatorEnv;
beforeAll(async () => {
  env = await startEmulatorEnv();
});
afterAll(async () => {
  await env?.stop();
});

describe('DynamoForwardRecords', () => {
  forwardRecordsContract(async () => ({ subject: new DynamoForwardRecords(env.clients.doc, env.resources.tableName), cleanup: async () => {} }));

  const at = new Date('2026-01-05T10:00:00.000Z');

  it('keeps the record under the message\'s partition with the ledger rows\' TTL', async () => {
    const id = uniqueId('m');
    await new DynamoForwardRecords(env.clients.doc, env.resources.tableName).add({ messageId: id, route: 'main', at, to: 'ceo@elsewhere.example', sentAs: 'ses-1', by: 'alice' });
    const { Item } = await env.clients.doc.send(new GetCommand({ TableName: env.resources.tableName, Key: key(messageKey(id), forwardSort(at, 'main', 'ceo@elsewhere.example')) }));
    expect(Item?.[TTL]).toBe(at.getTime() / 1000 + KEEP_LEDGER_SECONDS);
  });

  it('no read of the ledger, the index or the dead-letter store sees it, and the ledger purge leaves it to its own remove', async () => {
    const { doc, sqs } = env.clients;
    const table = env.resources.tableName;
    const id = uniqueId('m');
    const ledger = new DynamoLedger(doc, table);
    const forwards = new DynamoForwardRecords(doc, table);
    await ledger.record(id, { recipient: 'bob@example.com', state: 'deferred', attempts: 1, updatedAt: at });
    await ledger.addAttempt({ messageId: id, recipient: 'bob@example.com', at, relay: 'mx:25', state: 'deferred', reply: { code: 451, text: 'later' }, delaySeconds: 60 });
    await forwards.add({ messageId: id, route: 'main', at, to: 'ceo@elsewhere.example', by: 'alice' });
    expect([...(await ledger.outcomes(id)).keys()]).toEqual(['bob@example.com']);
    expect([...(await ledger.outcomesFor(id, ['bob@example.com'])).keys()]).toEqual(['bob@example.com']);
    expect((await ledger.attempts(id)).map((a) => a.recipient)).toEqual(['bob@example.com']);
    expect(await new DynamoMessageIndex(doc, table).find(id)).toEqual([]);
    expect(await new DynamoDeadLetterStore(doc, table, sqs, env.resources.deadLetterQueue.url).find(id)).toEqual([]);
    expect(await new DynamoLedgerPurge(doc, table).purge(id, ['bob@example.com'])).toBe(2);
    expect(await forwards.list(id)).toHaveLength(1);
    expect(await forwards.remove(id, 'main')).toBe(1);
  });
});
