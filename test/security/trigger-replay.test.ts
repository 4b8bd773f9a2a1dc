// A captured "I'm back" call is worthless once used: the route's gate (a
// DynamoDB conditional write) accepts a call only when its signed timestamp is
// newer than the last accepted one, and a timestamp outside the window is
// refused either way, past or future. Shown on the Lambda handler (its real
// gate on dynalite; the key and the probe invoke mocked), on the local
// listener over HTTP (the same use case, the runner's own probe and a real
// primary), and on `npm start`'s listener.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RecordingDeliveryLog, RecordingMetrics } from '../../lambdas/adapters/fakes/index.js';
import { StaticTriggerKey } from '../../lambdas/adapters/fakes/in-memory-feature-stores.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../lambdas/adapters/http/trigger-http.js';
import { composeBackupMx } from '../../lambdas/app/composition.js';
import { InProcessDrainStarter, type Engine } from '../../lambdas/app/engine.js';
import { awsTriggerUseCase, localTriggerUseCase } from '../../lambdas/app/trigger-app.js';
import { routeTableDigest, routeTableKey } from '../../lambdas/config/route-table.js';
import { ENV } from '../../lambdas/config/settings.js';
import { TRIGGER_WINDOW_SECONDS, triggerSignature } from '../../lambdas/core/operator/trigger-signature.js';
import { makeTriggerHandler } from '../../lambdas/handlers/trigger.js';
import { TriggerListener } from '../../local/runner/trigger-listener.js';
import { mainRouteSettings, startEmulatorEnv, type EmulatorEnv } from '../support/aws/emulator-env.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { rawMessage, sesNotification } from '../support/aws/ses-events.js';
import { cleanups, runnerEnv, startMx, tempDir, writeContextFile } from '../support/runner/e2e-support.js';

const SECRET = 's'.repeat(64);
const T0 = new Date('2026-01-05T10:00:00Z');
const unix = (at: Date) => String(Math.floor(at.getTime() / 1000));
const headersAt = (at: Date, route = 'main', secret = SECRET) => {
  const ts = unix(at);
  return { [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: triggerSignature(secret, route, ts) };
};
const seconds = (n: number) => new Date(T0.getTime() + n * 1000);

describe('replays on the Lambda handler (gate on dynalite)', () => {
  let env: EmulatorEnv;
  const secrets = mockClient(SecretsManagerClient);
  const lambda = mockClient(LambdaClient);
  let handler: ReturnType<typeof makeTriggerHandler>;
  let metrics: RecordingMetrics;

  beforeAll(async () => {
    env = await startEmulatorEnv({ routes: ['main'] });
    const routes = [{ name: 'main', domains: ['example.com'], primary: { host: 'mail.example.com', port: 587, tls: 'verify' }, queueUrl: env.resources.routes[0]!.queue.url, bouncePolicy: 'dsn' }];
    const digest = routeTableDigest(routes);
    await env.clients.doc.send(new PutCommand({ TableName: env.resources.tableName, Item: { ...routeTableKey(digest), routes: JSON.stringify(routes) } }));
    secrets.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify({ route: 'main', status: 'up', held: false, started: 'deliver' })) as never });
    metrics = new RecordingMetrics();
    const useCase = awsTriggerUseCase(
      {
        AWS_REGION: env.clientConfig.region,
        AWS_ENDPOINT_URL: env.clientConfig.endpoints?.dynamodb ?? env.clientConfig.endpoint,
        [ENV.tableName]: env.resources.tableName,
        [ENV.triggerSecretId]: 'TriggerKey',
        [ENV.probeFunctionName]: 'Probe',
        [ENV.routeTableDigest]: digest,
        [ENV.stackName]: 'BackupMx',
      },
      { metrics },
    );
    handler = makeTriggerHandler(() => useCase);
    // Only Date is faked: the SDK's sockets and timers run as usual.
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterAll(async () => {
    vi.useRealTimers();
    secrets.restore();
    lambda.restore();
    await env?.stop();
  });

  const post = async (headers: Record<string, string>, at: Date) => {
    vi.setSystemTime(at);
    const answer = await handler({ rawPath: '/main', headers, requestContext: { http: { method: 'POST' } } } as never);
    return { status: answer.statusCode, message: (JSON.parse(answer.body) as { message: string }).message };
  };

  it('a captured call passes once; replayed a minute later (inside the window, past the rate limit) it is refused and the probe is not asked again', async () => {
    const captured = headersAt(T0);
    expect(await post(captured, T0)).toEqual({ status: 202, message: 'primary of route main answers; drain started' });
    expect(await post(captured, seconds(60))).toMatchObject({ status: 401, message: expect.stringMatching(/not newer than the last accepted/) });
    expect(await post(captured, seconds(TRIGGER_WINDOW_SECONDS - 1))).toMatchObject({ status: 401 });
    expect(await post(captured, seconds(TRIGGER_WINDOW_SECONDS + 1))).toMatchObject({ status: 401, message: expect.stringMatching(/behind our clock/) });
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
    expect(metrics.stackCounts.map((c) => c.detail?.why)).toEqual(['replay', 'replay', 'form']);
  });

  it('the hook\'s next real call (a newer timestamp) passes; then the one before it is refused too', async () => {
    const next = headersAt(seconds(120));
    expect((await post(next, seconds(120))).status).toBe(202);
    expect((await post(headersAt(seconds(110)), seconds(130))).status).toBe(401);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(2);
  });

  it('a timestamp outside the window is refused in either direction, and a refused far-future call cannot lock the route', async () => {
    const now = seconds(600);
    const future = new Date(now.getTime() + (TRIGGER_WINDOW_SECONDS + 1) * 1000);
    const farFuture = new Date(now.getTime() + 365 * 86_400_000);
    const past = new Date(now.getTime() - (TRIGGER_WINDOW_SECONDS + 1) * 1000);
    expect(await post(headersAt(future), now)).toMatchObject({ status: 401, message: expect.stringMatching(/ahead of our clock/) });
    expect(await post(headersAt(farFuture), now)).toMatchObject({ status: 401, message: expect.stringMatching(/ahead of our clock/) });
    expect(await post(headersAt(past), now)).toMatchObject({ status: 401, message: expect.stringMatching(/behind our clock/) });
    // Nothing was recorded for them: a fresh call passes.
    expect((await post(headersAt(now), now)).status).toBe(202);
  });
});

describe('replays on the local listener over HTTP (the runner\'s use case, its own probe, a real primary)', () => {
  let env: EmulatorEnv;
  let primary: ScriptedPrimary;
  let engine: Engine;
  let drains: InProcessDrainStarter;
  let listener: TriggerListener;
  let metrics: RecordingMetrics;

  beforeAll(async () => {
    env = await startEmulatorEnv({ routes: ['main'] });
    primary = await ScriptedPrimary.start({ starttls: 'off' });
    metrics = new RecordingMetrics();
    const composed = composeBackupMx(mainRouteSettings(env, primary.port, { probeTimeoutMs: 1000 }), { clients: env.clients, log: new RecordingDeliveryLog(), metrics });
    engine = composed.engine;
    drains = new InProcessDrainStarter(engine, 30);
    // No rate limit here: only the replay guard stands between a captured call and a second drain.
    listener = await TriggerListener.start(localTriggerUseCase(composed, new StaticTriggerKey(SECRET), drains, 0), 0, () => undefined);
  });
  afterAll(async () => {
    await listener?.stop();
    await drains?.idle();
    await primary?.stop();
    await env?.stop();
  });

  const post = (headers: Record<string, string>) => fetch(`${listener.url}/main`, { method: 'POST', headers });

  it('a captured call brings the mail once; sent again it is refused (401) with no second check of the primary', async () => {
    const messageId = 'replay000000000000000000001';
    await env.clients.s3.send(new PutObjectCommand({ Bucket: env.resources.bucketName, Key: `mail/main/${messageId}`, Body: rawMessage({ to: 'bob@example.com' }) }));
    await env.clients.sqs.send(new SendMessageCommand({ QueueUrl: env.resources.routes[0]!.queue.url, MessageBody: sesNotification({ messageId, timestamp: new Date(), recipients: ['bob@example.com'], bucketName: env.resources.bucketName, objectKeyPrefix: 'mail/main/' }) }));
    const captured = headersAt(new Date());
    const first = await post(captured);
    expect(first.status).toBe(202);
    await drains.idle();
    expect(primary.messages).toHaveLength(1);
    const checks = primary.connectionCount;
    const again = await post(captured);
    expect(again.status).toBe(401);
    expect(await again.text()).toMatch(/not newer than the last accepted/);
    expect(primary.connectionCount).toBe(checks); // the primary was not even connected to
    expect(metrics.stackCounts.map((c) => c.detail?.why)).toEqual(['replay']);
  });

  it('stale and future timestamps are refused over HTTP too, and counted', async () => {
    const now = Date.now();
    for (const skew of [-(TRIGGER_WINDOW_SECONDS + 1), TRIGGER_WINDOW_SECONDS + 1, 365 * 86_400]) {
      const response = await post(headersAt(new Date(now + skew * 1000)));
      expect(response.status).toBe(401);
      expect(await response.text()).toMatch(skew > 0 ? /ahead of our clock/ : /behind our clock/);
    }
    expect(metrics.stackCounts.map((c) => c.detail?.why)).toEqual(['replay', 'form', 'form', 'form']);
  });
});

describe('replays on `npm start`\'s listener', () => {
  const cleanup = cleanups();
  afterAll(() => cleanup.run());

  it('a second call with the same signed timestamp is refused and counted in the run\'s figures', async () => {
    const primary = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => primary.stop());
    const dir = await tempDir(cleanup, 'replay');
    const dataDir = path.join(dir, 'data');
    const contextFile = await writeContextFile(dir, [{ name: 'main', domains: ['example.com'], primaryPort: primary.port }]);
    const { mx } = await startMx(runnerEnv(contextFile, { BACKUPMX_DATA_DIR: dataDir, BACKUPMX_PROBE_INTERVAL_SECONDS: '60' }), cleanup, true);
    const secret = (await readFile(path.join(dataDir, 'trigger.key'), 'utf8')).trim();
    const captured = headersAt(new Date(), 'main', secret);
    const post = () => fetch(`http://127.0.0.1:${mx.triggerPort}/main`, { method: 'POST', headers: captured });
    expect((await post()).status).toBe(202);
    expect([401, 429]).toContain((await post()).status); // refused either way: inside the rate limit and not newer
    expect(mx.metrics.triggerRefused).toBe(1);
  });
});
