// The drain learns whether a message is held (`hold --message`) with no AWS
// request of its own: the hold mark is the key of the message copy's index
// summary, read in the same BatchGetItem as its recipients' ledger rows (one
// reader shared by DynamoLedger and DynamoMessageIndex, as compose.ts wires
// them). Counted on the DynamoDB clients against dynalite, for a receive of
// ten messages, with none held and with one held.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoBatchReader } from '../../../lambdas/adapters/aws/dynamo-batch-reader.js';
import { DynamoLedger } from '../../../lambdas/adapters/aws/dynamo-ledger.js';
import { DynamoMessageIndex } from '../../../lambdas/adapters/aws/dynamo-message-index.js';
import { RecordingBounceMailer, RecordingDeliveryLog, RecordingMetrics, RecordingSmtpTransportFactory } from '../../../lambdas/adapters/fakes/index.js';
import { parseSesNotification } from '../../../lambdas/adapters/ses/ses-notification.js';
import { DrainRoute } from '../../../lambdas/core/drain/drain-route.js';
import { copyOf } from '../../../lambdas/core/message/message-copy.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';
import { rawMessage, sesNotification } from '../../support/aws/ses-events.js';
import { route } from '../../support/world/engine-harness.js';
import { engineDeps, fakeWorld } from '../../support/world/fake-world.js';

let env: EmulatorEnv;
/** Commands sent by the raw client (the grouped reads) and by the document client, by name. */
let batchSent: string[] = [];
let docSent: string[] = [];
beforeAll(async () => {
  env = await startEmulatorEnv();
  // Before the clients' first use: batchDynamo caches its middleware stack then.
  countCommands(env.clients.batchDynamo, () => batchSent);
  countCommands(env.clients.doc, () => docSent);
});
afterAll(async () => {
  await env?.stop();
});

function countCommands(client: DynamoDBClient | DynamoDBDocumentClient, into: () => string[]): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      into().push(String((context as { commandName?: string }).commandName));
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
}

/** Starts counting afresh; returns the two lists. */
function counting() {
  batchSent = [];
  docSent = [];
  return { batch: () => batchSent, doc: () => docSent };
}

async function tenQueued(heldIndex?: number) {
  const world = fakeWorld(new Date());
  const table = env.resources.tableName;
  const reader = new DynamoBatchReader(env.clients.batchDynamo, table);
  const ledger = new DynamoLedger(env.clients.doc, table, undefined, reader);
  const index = new DynamoMessageIndex(env.clients.doc, table, undefined, undefined, reader);
  const transports = new RecordingSmtpTransportFactory();
  const deps = { ...engineDeps(world, { transports, bounces: new RecordingBounceMailer(), log: new RecordingDeliveryLog(), metrics: new RecordingMetrics(), parse: parseSesNotification }), ledger, index };
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) {
    const messageId = `hr-${env.unique()}-${i}`;
    const recipients = [`r${i}@example.com`];
    world.store.put(`inbound/main/${messageId}`, rawMessage({ messageId, sender: 'alice@sender.example', to: recipients[0] }));
    await world.queue.enqueue(sesNotification({ timestamp: world.clock.now(), messageId, recipients }));
    const copy = copyOf({ recipients });
    await index.add({ messageId, route: 'main', sender: 'alice@sender.example', recipients, receivedAt: world.clock.now(), state: 'queued', copy });
    if (i === heldIndex) expect(await index.setHold(messageId, 'main', copy, { since: world.clock.now(), reason: 'held by the test' })).toBe(true);
    ids.push(messageId);
  }
  const drain = new DrainRoute(deps, { hostname: 'mx2.example.com', concurrency: 10 });
  return { drain, transports, ids, world };
}

describe('the drain reads hold marks in its ledger read', () => {
  it('ten messages, none held: one BatchGetItem for the receive, rows and marks together, and no other read', async () => {
    const { drain, transports } = await tenQueued();
    const sent = counting();

    const summary = await drain.run(route, { owner: 'count', budgetSeconds: 60 });

    expect(summary).toMatchObject({ delivered: 10 });
    expect(transports.transactions).toHaveLength(10);
    expect(sent.batch().filter((c) => c === 'BatchGetItemCommand')).toHaveLength(1);
    // No GetItem / Query of a summary per message: the drain's other requests are its writes.
    expect(sent.doc().filter((c) => /^(Get|Query|BatchGet)/.test(c))).toEqual([]);
    expect(sent.doc().length).toBeGreaterThan(0); // the counter sees the document client's requests
  });

  it('one of ten held: still one BatchGetItem; the held one is not sent, the others are', async () => {
    const { drain, transports, ids, world } = await tenQueued(3);
    const sent = counting();

    const summary = await drain.run(route, { owner: 'count-held', budgetSeconds: 60 });

    expect(summary).toMatchObject({ delivered: 9, held: 1 });
    expect(transports.transactions.map((t) => t.envelope.to[0])).not.toContain('r3@example.com');
    expect(sent.batch().filter((c) => c === 'BatchGetItemCommand')).toHaveLength(1);
    expect(sent.doc().filter((c) => /^(Get|Query|BatchGet)/.test(c))).toEqual([]);
    expect(world.queue.defers.map((d) => JSON.parse(d.body) as unknown).map((b) => JSON.stringify(b)).join()).toContain(ids[3]!);
  });
});
