// `backup-mx console` against the deployed stack (no --local): the target the
// CLI builds from CloudFormation and the drain function's settings (mocked as
// in the CLI's other deployed-stack tests), whose DynamoDB, S3 and SQS calls
// go to the emulators behind one endpoint (AWS_ENDPOINT_URL, as the operator's
// SDK would reach AWS). The overview, the queue and a message page are read,
// and a hold and a release go through the POST guard (cookie, CSRF, Origin).
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsTarget } from '../../../cli/aws-target.js';
import { readCliEnv } from '../../../cli/cli-env.js';
import { startConsole, type RunningConsole } from '../../../cli/console/server.js';
import { cookieName } from '../../../cli/console/security.js';
import type { Target } from '../../../cli/target.js';
import { RecordingDeliveryLog, RecordingMetrics } from '../../../lambdas/adapters/fakes/index.js';
import { composeBackupMx } from '../../../lambdas/app/composition.js';
import { routePrefix } from '../../../lambdas/config/mail-layout.js';
import { loadSettings, settingsToEnv } from '../../../lambdas/config/settings.js';
import { buildLocalAws, uniqueNames, type BuiltLocalAws } from '../../support/aws/local-aws-builder.js';
import { startOneEndpoint, type OneEndpoint } from '../../support/aws/one-endpoint.js';
import { rawMessage, sesMessageId, sesNotification } from '../../support/aws/ses-events.js';
import { cfn, lambda, mockDeployedStack, type DeployedSettings } from '../../support/cli/deployed-stack-mock.js';
import { consoleRequest, type HttpReply } from '../../support/console/console-fixture.js';

// CloudWatch and SES sending are not emulated: mocked, so no call can leave the machine.
const cloudwatch = mockClient(CloudWatchClient);
const ses = mockClient(SESv2Client);

let aws: BuiltLocalAws;
let endpoint: OneEndpoint;
let target: Target;
let running: RunningConsole;
let messageId: string;
let raw: string;

beforeAll(async () => {
  aws = await buildLocalAws({ routes: ['main'], names: uniqueNames('console-aws') });
  endpoint = await startOneEndpoint(aws.endpoints);
  const { resources } = aws;
  const settings: DeployedSettings = {
    // Port 9 (discard) on loopback: nothing here connects to the primary.
    routes: [{ name: 'main', domains: ['example.com'], primary: { host: '127.0.0.1', port: 9, tls: 'none' }, queueUrl: resources.routes[0]!.queue.url, bouncePolicy: 'dsn' }],
    tableName: resources.tableName,
    bucketName: resources.bucketName,
    deadLetterQueueUrl: resources.deadLetterQueue.url,
    hostname: 'backup-mx.example.com',
  };
  mockDeployedStack(settings);
  // A message the stack accepted: its raw object in the bucket, indexed and queued, as SES and the accept function leave it.
  const { engine } = composeBackupMx(loadSettings(settingsToEnv(settings)), { clients: aws.clients, log: new RecordingDeliveryLog(), metrics: new RecordingMetrics() });
  messageId = sesMessageId();
  const prefix = routePrefix('main');
  raw = rawMessage({ messageId, sender: 'ceo@acme.example', to: 'bob@example.com', subject: 'Contract from ACME' });
  await aws.clients.s3.send(new PutObjectCommand({ Bucket: resources.bucketName, Key: `${prefix}${messageId}`, Body: raw }));
  await engine.accept(sesNotification({ messageId, timestamp: new Date(Date.now() - 5 * 60_000), sender: 'ceo@acme.example', recipients: ['bob@example.com'], subject: 'Contract from ACME', bucketName: resources.bucketName, objectKeyPrefix: prefix, topicArn: resources.routes[0]!.topicArn }));
  // The operator's credentials and region as the CLI reads them; the SDK's endpoint is the emulators'.
  target = await awsTarget({ region: aws.region }, () => {}, readCliEnv({ AWS_ENDPOINT_URL: endpoint.url }));
  running = await startConsole(target);
});

afterAll(async () => {
  await running?.close();
  target?.close();
  await endpoint?.stop();
  await aws?.stop();
  cfn.reset();
  lambda.reset();
  cloudwatch.restore();
  ses.restore();
});

const host = () => `127.0.0.1:${running.port}`;
const cookie = () => `${cookieName(running.port)}=${running.token}`;
const get = (path: string): Promise<HttpReply> => consoleRequest(running, path, { host: host(), cookie: cookie() });
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const unescape = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!);

/** The confirmation page's form (hidden fields, CSRF token included), as a browser reads it. */
async function confirmForm(action: string, query: Record<string, string>): Promise<{ action: string; fields: Record<string, string> }> {
  const reply = await get(`/confirm/${action}?${new URLSearchParams(query).toString()}`);
  expect(reply.status, reply.body).toBe(200);
  const form = /<form class="confirm" method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(reply.body)!;
  return { action: form[1]!, fields: Object.fromEntries([...form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, unescape(m[2]!)])) };
}

function post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpReply> {
  const all: Record<string, string> = { host: host(), cookie: cookie(), origin: `http://${host()}`, 'content-type': 'application/x-www-form-urlencoded', ...headers };
  for (const [k, v] of Object.entries(all)) if (v === '') delete all[k];
  return consoleRequest(running, path, all, 'POST', new URLSearchParams(fields).toString());
}

describe('the console against the deployed stack', () => {
  it('is the stack\'s: its label names the stack and region, and its reads went to the stack\'s table, bucket and queues', async () => {
    expect(target.kind).toBe('aws');
    const overview = await get('/');
    expect(overview.status, overview.body).toBe(200);
    expect(overview.body).toContain(`stack BackupMx in ${aws.region}`);
    expect(overview.body).toContain('main');
    expect(endpoint.calls.dynamodb).toBeGreaterThan(0);
  });

  it('the queue lists the stack\'s queued message, linked to its page', async () => {
    const queue = await get('/queue');
    expect(queue.status, queue.body).toBe(200);
    expect(queue.body).toContain(`<tr data-id="${messageId}">`);
    expect(queue.body).toContain(`/message?id=${messageId}&amp;route=main`);
  });

  it('the message page shows the envelope, the state and the body read from the bucket', async () => {
    const page = await get(`/message?id=${messageId}&route=main`);
    expect(page.status, page.body).toBe(200);
    expect(page.body).toContain('<td class="sender">&lt;ceo@acme.example&gt;</td>');
    expect(page.body).toContain('<span class="state queued">queued</span>');
    expect(page.body).toMatch(/<tr data-recipient="bob@example.com">/);
    expect(page.body).toContain(`<a href="/message/raw?id=${messageId}" download>`);
    expect(page.body).toContain('Hello Bob');
    const eml = await get(`/message/raw?id=${messageId}`);
    expect(eml.status).toBe(200);
    expect(eml.body).toBe(raw);
    expect(endpoint.calls.other).toBeGreaterThan(0);
  });

  it('hold and release go through the POST guard to the stack\'s route state; a POST without the CSRF token changes nothing', async () => {
    const hold = await confirmForm('hold', { route: 'main', reason: 'migration' });
    const { csrf: _csrf, ...noCsrf } = hold.fields;
    expect((await post(hold.action, noCsrf)).status).toBe(403);
    expect(await target.operator.routeHold('main')).toBeUndefined();
    const held = await post(hold.action, hold.fields);
    expect(held.status, held.body).toBe(303);
    expect(await target.operator.routeHold('main')).toMatchObject({ reason: 'migration' });
    const release = await confirmForm('release', { route: 'main' });
    const released = await post(release.action, release.fields);
    expect(released.status, released.body).toBe(303);
    const result = await get(String(released.headers.location));
    expect(unescape(result.body)).toContain('route main released');
    expect(await target.operator.routeHold('main')).toBeUndefined();
  });

  it('a forward goes out through SES and its record, with SES\'s message id, is in the stack\'s table and on the message page', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: '0100018c-deployed-forward' });
    const form = await confirmForm('forward', { id: messageId, route: 'main', to: 'boss@elsewhere.example' });
    const done = await post(form.action, form.fields);
    expect(done.status, done.body).toBe(303);
    expect(unescape((await get(String(done.headers.location))).body)).toContain('forwarded to <boss@elsewhere.example> through SES');
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Destination).toEqual({ ToAddresses: ['boss@elsewhere.example'] });
    const [detail] = await target.operator.show(messageId, 'main');
    expect(detail!.forwards).toEqual([expect.objectContaining({ to: 'boss@elsewhere.example', sentAs: '0100018c-deployed-forward' })]);
    expect((await get(`/message?id=${messageId}&route=main`)).body).toContain('<td class="id">0100018c-deployed-forward</td>');
  });
});
