import { afterAll, beforeAll, describe } from 'vitest';
import { DynamoDelayNotices, DynamoEnvelopeArchive, DynamoTriggerGate } from '../../../lambdas/adapters/aws/dynamo-feature-stores.js';
import { featureStoresContract } from '../../contracts/feature-stores.contract.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/emulator-env.js';

let env: EmulatorEnv;
beforeAll(async () => {
  env = await startEmulatorEnv();
});
afterAll(async () => {
  await env?.stop();
});

describe('DynamoDB feature stores (dynalite)', () => {
  featureStoresContract(async () => {
    const { doc } = env.clients;
    const table = env.resources.tableName;
    return { subject: { gate: new DynamoTriggerGate(doc, table), archive: new DynamoEnvelopeArchive(doc, table), notices: new DynamoDelayNotices(doc, table) }, cleanup: async () => {} };
  });
});
