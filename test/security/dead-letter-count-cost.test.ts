// Claim (docs/security.md, "a sender crafting the envelope"): dead letters cost
// little to count, however many and however large. Virus-positive mail is
// dead-lettered, so anyone can make dead letters by sending it; the probe
// counts each route's records every minute (the DeadLetters gauge and alarm,
// invariant 10), and DynamoDB bills a Query by the size of every item its key
// condition reads, COUNT or not. A record's notification (the SES JSON with up
// to 10 KB of headers) and detail are kept in a text item outside the index
// (lambdas/adapters/aws/dynamo-dead-letter-store.ts), so the count reads only
// summaries of a few hundred bytes; and it stops at DEAD_LETTERS_COUNTED_AT_MOST,
// so a flood cannot make each minute's count read more.
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeadLetterStore } from '../../lambdas/adapters/aws/dynamo-dead-letter-store.js';
import { startEmulatorEnv, type EmulatorEnv } from '../support/aws/emulator-env.js';

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

describe('counting dead letters does not read their notifications', () => {
  it('the probe\'s count of 20 dead letters with 60 KB notifications costs well under one read unit per record, and nothing is lost', async () => {
    const route = `r${env.unique()}`.toLowerCase();
    const store = (doc = env.clients.doc) => new DynamoDeadLetterStore(doc, env.resources.tableName, env.clients.sqs, env.resources.deadLetterQueue.url);
    // SQS takes at most 256 KB a message; 60 KB of headers is within what SES may send in a notification.
    const notification = (i: number) => JSON.stringify({ notificationType: 'Received', mail: { messageId: `m${i}`, headers: [{ name: 'X-Filler', value: 'a'.repeat(60_000) }] } });
    for (let i = 0; i < 20; i++) {
      await store().put({ messageId: `m${i}-${route}`, route, reason: 'virus', detail: 'SES virus verdict FAIL', at: new Date(), notification: notification(i), objectKey: `inbound/m${i}`, copy: 'c' });
    }
    // dynalite reports a Query's consumed capacity as DynamoDB bills it: by the size of the items read.
    const counting = metered(env.clients.doc);
    expect(await store(counting.doc).count(route)).toBe(20);
    // 20 × ~60 KB read in full would be ~150 units (index reads are eventually consistent); 20 summaries are 1.
    expect(counting.units()).toBeGreaterThan(0);
    expect(counting.units()).toBeLessThan(20 * 0.1);
    // Nothing was lost by the split: `mailq --dead` and `requeue` get each notification whole.
    const listed = await store().list(route);
    expect(listed).toHaveLength(20);
    expect(listed.find((r) => r.messageId === `m7-${route}`)?.notification).toBe(notification(7));
  });
});
