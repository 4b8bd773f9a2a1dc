import { afterAll, beforeAll, describe } from 'vitest';
import { DynamoLedger } from '../../../lambdas/adapters/aws/dynamo-ledger.js';
import { ledgerContract } from '../../contracts/ledger.contract.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

let env: EmulatorEnv;
beforeAll(async () => {
  env = await startEmulatorEnv();
});
afterAll(async () => {
  await env?.stop();
});

describe('DynamoLedger', () => {
  ledgerContract(async () => ({
    subject: new DynamoLedger(env.clients.doc, env.resources.tableName),
    cleanup: async () => {},
  }));
});
