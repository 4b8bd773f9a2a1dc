// Claim (docs/security.md, "a sender crafting the envelope"): notices held
// past a route's budget cost little to count, however large they are. Someone
// who authenticates (their own domain with SPF PASS) sends thousands of
// messages with large headers to unknown users; past the budget each becomes
// a held DSN of up to ~70 KB (the original header block). The probe counts
// the held notices every minute per route (the HeldNotices gauge), and
// DynamoDB bills a Query by the size of every item its key condition reads,
// COUNT or not (1 read unit per 4 KB, consistent): with each DSN in the item
// counted, 10,000 held notices cost ~175,000 read units a round, ~250 million
// a day. Now the text is kept under its own sort-key range (raw#, apart from
// the held# summaries: lambdas/adapters/aws/dynamo-notice-stores.ts), so the
// count reads only summaries of a few hundred bytes. (Found by the issue 17
// review.)
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoHeldNotices } from '../../lambdas/adapters/aws/dynamo-notice-stores.js';
import { NOTICE_HEADERS_MAX_BYTES } from '../../lambdas/core/outcome/notice-sender.js';
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

describe('counting held notices does not read their text', () => {
  it('the probe\'s HeldNotices count of 20 held DSNs with full headers costs well under one read unit per notice (not one per 4 KB held), and they stay whole', async () => {
    const route = `r${env.unique()}`.toLowerCase();
    const table = env.resources.tableName;
    const headers = `X-Filler: ${'a'.repeat(NOTICE_HEADERS_MAX_BYTES - 20)}\r\n`;
    const held = new DynamoHeldNotices(env.clients.doc, table);
    const raw = (i: number) => `Subject: Undelivered mail ${i}\r\n\r\n${headers}`;
    for (let i = 0; i < 20; i++) {
      await held.hold({ route, messageId: `m${i}`, copy: 'c', kind: 'dsn', at: new Date(), why: 'budget', to: `x${i}@attacker.example`, recipients: ['nobody@example.com'], raw: raw(i) });
    }
    // dynalite reports a Query's consumed capacity as DynamoDB bills it: by the size of the items read.
    const counting = metered(env.clients.doc);
    expect(await new DynamoHeldNotices(counting.doc, table).count(route)).toBe(20);
    // 20 × ~65 KB read in full would be ~330 units; 20 summaries of a few hundred bytes are 1–2.
    expect(counting.units()).toBeGreaterThan(0);
    expect(counting.units()).toBeLessThan(20 * 0.5);
    // Listing (the CLI) reads the summaries only, too.
    const listing = metered(env.clients.doc);
    expect(await new DynamoHeldNotices(listing.doc, table).list(route)).toHaveLength(20);
    expect(listing.units()).toBeLessThan(20 * 0.5);
    // Nothing was lost by the split: each text is there, whole, for `notices send`.
    expect(await held.text(route, 'm7', 'c', 'dsn')).toBe(raw(7));
  });
});
