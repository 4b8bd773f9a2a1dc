// The LocalStack path without Docker: AWS_ENDPOINT_URL names one endpoint for
// every service, and that endpoint keeps its state while the runner restarts.
// Here the endpoint is a small proxy in front of the embedded emulators
// (DynamoDB calls to dynalite, the rest to fauxqs), so the runner takes the
// exact branch `npm run test:localstack` takes: one endpoint, no emulators of
// its own, and a spool restore that re-queues only what the endpoint lost.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalAwsConnection } from '../../../local/runner/local-aws.js';
import { connectTestAws } from '../../support/aws/local-aws-builder.js';
import { ScriptedPrimary } from '../../support/smtp/scripted-primary.js';
import { cleanups, clientMessage, endsWith, queueId, sendMail, startMx, tempDir, waitFor, writeContextFile } from '../../support/runner/e2e-support.js';

async function oneEndpoint(emulators: LocalAwsConnection): Promise<{ url: string; server: Server }> {
  const dynamo = new URL(emulators.endpoints.dynamodb);
  const rest = new URL(emulators.endpoints.s3);
  const server = createServer((req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '').startsWith('DynamoDB') ? dynamo : rest;
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('local runner on one AWS endpoint that outlives it (the LocalStack path)', () => {
  const cleanup = cleanups();
  let endpoint: string;
  let primary: ScriptedPrimary;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const emulators = await connectTestAws();
    cleanup.add(() => emulators.close());
    const proxy = await oneEndpoint(emulators);
    cleanup.add(() => new Promise((resolve) => proxy.server.close(resolve)));
    proxy.server.on('connection', (socket) => cleanup.add(() => socket.destroy()));
    endpoint = proxy.url;
    primary = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => primary.stop());
    await primary.stop();
    const dir = await tempDir(cleanup, 'endpoint');
    env = {
      BACKUPMX_CONTEXT_FILE: await writeContextFile(dir, [{ name: 'main', domains: ['example.com'], primaryPort: primary.port }]),
      BACKUPMX_SMTP_PORT: '0',
      BACKUPMX_PROBE_INTERVAL_SECONDS: '1',
      BACKUPMX_PROBE_TIMEOUT_MS: '1000',
      BACKUPMX_DATA_DIR: path.join(dir, 'data'),
      AWS_ENDPOINT_URL: endpoint,
    };
  });

  afterAll(() => cleanup.run());

  it('uses the endpoint for every service, keeps mail across a runner restart without queueing it twice, and delivers once', async () => {
    const first = await startMx(env, cleanup);
    expect(first.mx.endpoints).toEqual({ s3: endpoint, sqs: endpoint, sns: endpoint, dynamodb: endpoint });
    expect(first.lines[1]).toContain(`AWS at ${endpoint} (AWS_ENDPOINT_URL)`);
    const raw = clientMessage(1, 'bob@example.com');
    const id = queueId(await sendMail(first.mx.smtpPort, 'alice@sender.test', ['bob@example.com', 'bcc@example.com'], raw));
    expect((await first.mx.composed.deps.index.listQueued('main')).map((m) => m.messageId)).toEqual([id]);
    await first.mx.stop();

    // The endpoint still has the object and the queue entry: the spool puts nothing back on the queue.
    const second = await startMx(env, cleanup);
    expect(second.lines.some((l) => /queued again/.test(l))).toBe(false);
    expect(await second.mx.engine.queue(second.mx.engine.route('main')).depth()).toMatchObject({ visible: 1 });

    await primary.restart();
    await primary.waitForMessages(1, 15_000);
    await waitFor('mailq to empty', async () => (await second.mx.composed.deps.index.listQueued('main')).length === 0);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(primary.messages).toHaveLength(1);
    expect(primary.messages[0]!.to.sort()).toEqual(['bcc@example.com', 'bob@example.com']);
    expect(endsWith(primary.messages[0]!.raw, raw)).toBe(true);
  });
});
