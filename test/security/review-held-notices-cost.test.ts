// Review of issue 17 (backscatter): notices past a route's hourly budget are
// held, each as a whole DSN (the original header block, up to 64 KB, included)
// in one DynamoDB item with no TTL and no cap. Someone who authenticates (their
// own domain with SPF PASS, or a replayed DKIM signature) sends thousands of
// messages with large headers to unknown users; past the budget every one
// becomes a held item of ~70 KB. The probe publishes HeldNotices every round
// (once a minute, per route) by a Query with Select COUNT, and DynamoDB bills a
// Query by the size of every item it reads, COUNT or not (1 read unit per
// 4 KB, consistent): 10,000 held notices cost ~175,000 read units a round,
// ~250 million a day (~$60/day on demand), and take hundreds of sequential
// pages in the probe's round. `backup-mx notices` loads them all, raw included.
// Fails now; passes once counting does not read the held notices themselves
// (a counter item kept with hold/remove, or the raw DSN kept in S3 with a small item).
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoHeldNotices } from '../../lambdas/adapters/aws/dynamo-notice-stores.js';
import { NOTICE_HEADERS_MAX_BYTES } from '../../lambdas/core/notice-sender.js';
import { startEmulatorEnv, type EmulatorEnv } from '../support/emulator-env.js';

let env: EmulatorEnv;
beforeAll(async () => {
  env = await startEmulatorEnv();
});
afterAll(async () => {
  await env?.stop();
});

/** The document client, with every Query asking for (and adding up) the read units it consumed. */
function metered(doc: DynamoDBDocumentClient): { doc: DynamoDBDocumentClient; units: () => number } {
  let units = 0;
  const send = (async (command: unknown) => {
    if (command instanceof QueryCommand) {
      const result = await doc.send(new QueryCommand({ ...command.input, ReturnConsumedCapacity: 'TOTAL' }));
      units += result.ConsumedCapacity?.CapacityUnits ?? 0;
      return result;
    }
    return doc.send(command as never);
  }) as DynamoDBDocumentClient['send'];
  return { doc: { send } as DynamoDBDocumentClient, units: () => units };
}

describe('review: counting held notices does not read them', () => {
  it('the probe\'s HeldNotices count of 20 held DSNs with full headers costs a handful of read units, not one per 4 KB held', async () => {
    const route = `r${env.unique()}`.toLowerCase();
    const table = env.resources.tableName;
    const headers = `X-Filler: ${'a'.repeat(NOTICE_HEADERS_MAX_BYTES - 20)}\r\n`;
    const held = new DynamoHeldNotices(env.clients.doc, table);
    for (let i = 0; i < 20; i++) {
      await held.hold({ route, messageId: `m${i}`, copy: 'c', kind: 'dsn', at: new Date(), why: 'budget', to: `x${i}@attacker.example`, recipients: ['nobody@example.com'], raw: `Subject: Undelivered mail\r\n\r\n${headers}` });
    }
    // dynalite reports a Query's consumed capacity as DynamoDB bills it: by the size of the items read.
    const counting = metered(env.clients.doc);
    expect(await new DynamoHeldNotices(counting.doc, table).count(route)).toBe(20);
    // 20 × ~65 KB read in full would be ~330 units; a counter (or small items) is a few.
    expect(counting.units()).toBeLessThan(10);
  });
});
