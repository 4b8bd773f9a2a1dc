// The AWS requests behind a running drain's hold check and the probe's read of
// a route, counted by the bench's meter (SDK middleware, so every request the
// SDK sends counts) against the DynamoDB emulator: one request for the hold,
// the windows and the redirect together, not one each (issue 21's bench figure
// rose from 1.589 to 1.686 requests per message with three).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsRequestMeter } from '../../../bench/aws-request-meter.js';
import { createAwsClients, type AwsClients } from '../../../lambdas/adapters/aws/clients.js';
import { DynamoRouteState } from '../../../lambdas/adapters/aws/dynamo-route-state.js';
import { ManualClock, RecordingDeliveryLog } from '../../../lambdas/adapters/fakes/index.js';
import { HOLD_CACHE_SECONDS, runHoldReader } from '../../../lambdas/core/drain/run-hold-reader.js';
import type { Route } from '../../../lambdas/core/model.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

let env: EmulatorEnv;
let clients: AwsClients;
const meter = new AwsRequestMeter();
beforeAll(async () => {
  env = await startEmulatorEnv();
  clients = createAwsClients(env.clientConfig);
  meter.attach(clients);
});
afterAll(async () => {
  clients?.dynamo.destroy();
  await env?.stop();
});

const route = (name: string): Route => ({ name, domains: ['example.com'], primary: { host: 'mail.example.com', port: 25, tls: 'none' }, queueUrl: 'https://sqs.example/main', bouncePolicy: 'dsn' });

describe('AWS requests of the route controls', () => {
  it("a drain's hold check is one DynamoDB request, and none more while its read is fresh", async () => {
    const name = `r-${env.unique()}`;
    const state = new DynamoRouteState(clients.doc, env.resources.tableName);
    const clock = new ManualClock();
    const redirect = { host: 'mx-new.example.net', port: 25, tls: 'verify' as const, auth: false, since: clock.now(), replaces: 'mail.example.com:25' };
    await state.setRedirect(name, redirect);
    expect(await state.saveWindows(name, { windows: [{ id: 'w1', from: new Date(clock.now().getTime() + 3_600_000), until: new Date(clock.now().getTime() + 7_200_000) }] }, 0)).toBe(true);
    const reader = runHoldReader({ routeState: state, clock, log: new RecordingDeliveryLog() }, route(name), redirect);

    meter.reset();
    expect(await reader.isHeld()).toBe(false);
    expect(meter.snapshot().byOperation).toEqual({ 'dynamodb.BatchGetItem': 1 });
    expect(await reader.isHeld()).toBe(false);
    expect(meter.snapshot().requests).toBe(1);

    // Past the cache, the next check reads again, still as one request, and sees the hold set meanwhile.
    await state.setHold(name, { since: clock.now() });
    meter.reset();
    clock.advance(HOLD_CACHE_SECONDS + 1);
    expect(await reader.isHeld()).toBe(true);
    expect(meter.snapshot().byOperation).toEqual({ 'dynamodb.BatchGetItem': 1 });
    expect(reader.unreadable).toBe(false);
  });

  it("the probe's read of a route (health and controls) is one request", async () => {
    const name = `r-${env.unique()}`;
    const state = new DynamoRouteState(clients.doc, env.resources.tableName);
    await state.saveHealth({ route: name, status: 'up', since: new Date(), lastCheckAt: new Date(), consecutiveFailures: 0 });
    meter.reset();
    const controls = await state.controls(name, { withHealth: true });
    expect(controls.health?.status).toBe('up');
    expect(meter.snapshot().byOperation).toEqual({ 'dynamodb.BatchGetItem': 1 });
  });
});
