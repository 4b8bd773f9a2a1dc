import { afterAll, beforeAll, describe } from 'vitest';
import { DynamoLedger } from '../../../lambdas/adapters/aws/dynamo-ledger.js';
import { DynamoLedgerPurge } from '../../../lambdas/adapters/aws/dynamo-ledger-purge.js';
import { ledgerPurgeContract } from '../../contracts/ledger-purge.contract.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

let env: EmulatorEnv;
beforeAll(async () => {
  env = await startEmulatorEnv();
});
afterAll(async () => {
  await env?.stop();
});

describe('DynamoLedgerPurge', () => {
  ledgerPurgeContract(async () => ({
    subject: {
      ledger: new DynamoLedger(env.clients.doc, env.resources.tableName),
      purge: new DynamoLedgerPurge(env.clients.doc, env.resources.tableName),
    },
    cleanup: async () => {},
  }));
});
