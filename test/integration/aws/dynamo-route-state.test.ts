import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoRouteState } from '../../../lambdas/adapters/aws/dynamo-route-state.js';
import { routeStateContract } from '../../contracts/route-state.contract.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

let env: EmulatorEnv;
beforeAll(async () => {
  env = await startEmulatorEnv();
});
afterAll(async () => {
  await env?.stop();
});

const state = () => new DynamoRouteState(env.clients.doc, env.resources.tableName);

describe('DynamoRouteState', () => {
  routeStateContract(async () => ({ subject: state(), cleanup: async () => {} }), {
    // A table that is not there: every read is refused (ResourceNotFoundException).
    failing: () => new DynamoRouteState(env.clients.doc, `${env.resources.tableName}-missing`),
  });

  it('keeps the lease in the shared layout: route#<name> / lease with owner and leaseUntil', async () => {
    const route = `r-${env.unique()}`;
    const until = new Date('2026-01-05T10:05:00.000Z');
    expect(await state().acquireLease(route, 'drain-1', new Date('2026-01-05T10:00:00.000Z'), until)).toBe(true);
    const { Item } = await env.clients.doc.send(
      new GetCommand({ TableName: env.resources.tableName, Key: { pk: `route#${route}`, sk: 'lease' } }),
    );
    expect(Item).toMatchObject({ owner: 'drain-1', leaseUntil: until.toISOString() });
  });

  it('lets exactly one of many concurrent drains win', async () => {
    const route = `r-${env.unique()}`;
    const now = new Date();
    const until = new Date(now.getTime() + 60_000);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => state().acquireLease(route, `drain-${i}`, now, until)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
