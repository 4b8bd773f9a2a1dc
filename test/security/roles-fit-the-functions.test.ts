// The other side of least privilege: the narrowed roles must still let each
// function do its work. Each function runs here on its own clients against
// the emulators and a real SMTP primary (accept indexing a message; the probe's
// rounds and its one-route check; a drain that delivers one message, bounces
// another and sweeps; the trigger's accepted and refused calls), every
// DynamoDB call it makes is recorded, and each call is checked against the
// function's role in the synthesized template (test/support/iam-evaluate.ts).
// A grant narrowed too far fails here, not in production.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients, type AwsClients } from '../../lambdas/adapters/aws/clients.js';
import { DynamoTriggerGate } from '../../lambdas/adapters/aws/dynamo-feature-stores.js';
import { readRouteTable } from '../../lambdas/adapters/aws/dynamo-route-table.js';
import { RecordingBounceMailer, RecordingDeliveryLog, RecordingDrainStarter, RecordingMetrics } from '../../lambdas/adapters/fakes/index.js';
import { StaticTriggerKey } from '../../lambdas/adapters/fakes/in-memory-feature-stores.js';
import { Engine } from '../../lambdas/app/engine.js';
import { loadRuntimeSettings } from '../../lambdas/app/runtime-settings.js';
import { routeTableDigest, routeTableKey } from '../../lambdas/config/route-table.js';
import { ENV, type Settings } from '../../lambdas/config/settings.js';
import { TriggerDrain } from '../../lambdas/core/operator/trigger-drain.js';
import { triggerSignature } from '../../lambdas/core/operator/trigger-signature.js';
import { DynamoCanaryKey } from '../../lambdas/adapters/aws/dynamo-canary-key.js';
import { SendCanary } from '../../lambdas/core/canary/send-canary.js';
import { buildStack } from '../support/cdk/stack-fixture.js';
import { startEmulatorEnv, type EmulatorEnv } from '../support/aws/emulator-env.js';
import { functionRoles, isAllowed, roleStatements, type IamRequest } from '../support/cdk/iam-evaluate.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { rawMessage, sesNotification } from '../support/aws/ses-events.js';

type Role = 'probe' | 'drain' | 'accept' | 'trigger' | 'canary';
const DESCRIPTIONS: Record<Role, string> = {
  probe: 'checks each primary',
  drain: 'delivers one route queue',
  accept: 'indexes each message',
  trigger: 'from a primary (HMAC-signed',
  canary: 'sends the canary',
};
const CANARY = 'canary@canary.example.com';

interface Recorded {
  command: string;
  input: Record<string, any>;
}

/** Clients whose DynamoDB calls are recorded after the document client marshalled them. */
function recordingClients(env: EmulatorEnv): { clients: AwsClients; calls: Recorded[] } {
  const clients = createAwsClients(env.clientConfig);
  const calls: Recorded[] = [];
  for (const client of [clients.dynamo, clients.batchDynamo]) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        calls.push({ command: String(context.commandName), input: args.input as Record<string, any> });
        return next(args);
      },
      { step: 'build', name: 'recordDynamoCalls' },
    );
  }
  return { clients, calls };
}

/** A recorded call as IAM sees it: action, table or index, the partition keys and attribute names it names. */
function asIamRequest(call: Recorded, tableArn: string): IamRequest {
  const action = `dynamodb:${call.command.replace(/Command$/, '')}`;
  const { input } = call;
  const pkOf = (item: Record<string, { S?: string }> | undefined) => item?.pk?.S;
  const keys = (items: (Record<string, any> | undefined)[]) => items.map(pkOf).filter((k): k is string => k !== undefined);
  const context: IamRequest['context'] = {};
  let resource = tableArn;
  switch (action) {
    case 'dynamodb:PutItem':
      context['dynamodb:LeadingKeys'] = keys([input.Item]);
      context['dynamodb:Attributes'] = Object.keys(input.Item);
      break;
    case 'dynamodb:GetItem':
    case 'dynamodb:DeleteItem':
    case 'dynamodb:UpdateItem':
      context['dynamodb:LeadingKeys'] = keys([input.Key]);
      break;
    case 'dynamodb:Query': {
      if (input.IndexName) resource = `${tableArn}/index/${input.IndexName}`;
      const partition = input.IndexName ? 'gsi1pk' : 'pk';
      const placeholder = Object.entries(input.ExpressionAttributeNames ?? {}).find(([, name]) => name === partition)?.[0];
      const value = placeholder ? new RegExp(`${placeholder} = (:\\w+)`).exec(String(input.KeyConditionExpression))?.[1] : undefined;
      const pk = value ? input.ExpressionAttributeValues?.[value]?.S : undefined;
      if (pk) context['dynamodb:LeadingKeys'] = [pk];
      if (input.Select) context['dynamodb:Select'] = input.Select;
      break;
    }
    case 'dynamodb:BatchWriteItem':
      context['dynamodb:LeadingKeys'] = keys(Object.values(input.RequestItems).flat().map((r: any) => r.PutRequest?.Item ?? r.DeleteRequest?.Key));
      break;
    case 'dynamodb:BatchGetItem':
      context['dynamodb:LeadingKeys'] = keys(Object.values(input.RequestItems).flatMap((r: any) => r.Keys));
      break;
  }
  if (input.ReturnValues) context['dynamodb:ReturnValues'] = input.ReturnValues;
  return { action, resource, context };
}

describe('each narrowed role still allows every call its function makes (emulators, a real primary)', () => {
  let env: EmulatorEnv;
  let primary: ScriptedPrimary;
  const recorded = new Map<Role, Recorded[]>();
  const { template } = buildStack({ region: 'us-east-1', routes: [{ name: 'main', domains: ['example.com'], primary: { host: 'mail.example.com', port: 587, tls: 'verify' } }] });
  const tableArn = `<${Object.keys(template.findResources('AWS::DynamoDB::Table'))[0]!}.Arn>`;
  const statementsOf = (role: Role) => roleStatements(template, functionRoles(template).find((f) => f.description.includes(DESCRIPTIONS[role]))!.roleId);

  /** The function's settings as a cold start reads them (the route table included), on its own clients. */
  async function coldStart(role: Role): Promise<{ clients: AwsClients; settings: Settings }> {
    const { clients, calls } = recordingClients(env);
    recorded.set(role, calls);
    const lambdaEnv = {
      [ENV.tableName]: env.resources.tableName,
      [ENV.bucketName]: env.resources.bucketName,
      [ENV.deadLetterQueueUrl]: env.resources.deadLetterQueue.url,
      [ENV.routeTableDigest]: digest(),
      [ENV.hostname]: 'backup-mx.test',
      [ENV.probeTimeoutMs]: '1000',
      // As the stack sets them on accept and the drain (the template's default canary).
      [ENV.canaryAddress]: CANARY,
      [ENV.canaryRoute]: 'main',
    };
    const settings = await loadRuntimeSettings(lambdaEnv, (table, wanted) => readRouteTable(clients.doc, table, wanted));
    return { clients, settings };
  }
  const routes = () => [{ name: 'main', domains: ['example.com'], primary: { host: '127.0.0.1', port: primary.port, tls: 'none' }, queueUrl: env.resources.routes[0]!.queue.url, bouncePolicy: 'dsn' }];
  const digest = () => routeTableDigest(routes());
  const engineFor = async (role: Role) => {
    const { clients, settings } = await coldStart(role);
    return new Engine(settings, { clients, log: new RecordingDeliveryLog(), metrics: new RecordingMetrics(), bounces: new RecordingBounceMailer(), addressGuard: { refusal: async () => undefined } });
  };

  /** Stores a message and queues its notification, as SES and SNS would; returns the notification. */
  async function arrive(messageId: string, recipients: string[], subject?: string): Promise<string> {
    const key = `mail/main/${messageId}`;
    await env.clients.s3.send(new PutObjectCommand({ Bucket: env.resources.bucketName, Key: key, Body: rawMessage({ sender: 'alice@sender.example', to: recipients[0] }) }));
    const notification = sesNotification({ messageId, timestamp: new Date(), sender: 'alice@sender.example', recipients, bucketName: env.resources.bucketName, objectKeyPrefix: 'mail/main/', ...(subject ? { subject } : {}) });
    await env.clients.sqs.send(new SendMessageCommand({ QueueUrl: env.resources.routes[0]!.queue.url, MessageBody: notification }));
    return notification;
  }

  beforeAll(async () => {
    env = await startEmulatorEnv({ routes: ['main'] });
    primary = await ScriptedPrimary.start({ starttls: 'off' });
    await primary.stop();
    await env.clients.doc.send(new PutCommand({ TableName: env.resources.tableName, Item: { ...routeTableKey(digest()), routes: JSON.stringify(routes()) } }));

    // The canary function creates its key and sends (it reads no route table); SES (here: the test) stores and queues it.
    const { clients: canaryClients, calls: canaryCalls } = recordingClients(env);
    recorded.set('canary', canaryCalls);
    let canaryRaw = '';
    const sent = await new SendCanary(
      { keys: new DynamoCanaryKey(canaryClients.doc, env.resources.tableName), mailer: { send: async (raw) => void (canaryRaw = raw) }, clock: { now: () => new Date() }, log: new RecordingDeliveryLog() },
      { address: CANARY },
    ).send();
    expect(sent.sent).toBe(true);
    const canarySubject = /^Subject: (.*)$/m.exec(canaryRaw)![1]!.trim();

    const accept = await engineFor('accept');
    for (const [id, rcpts] of [['fit0000000000000000000000001', ['bob@example.com']], ['fit0000000000000000000000002', ['gone@example.com']]] as const) {
      expect((await accept.accept(await arrive(id, [...rcpts]))).outcome).toBe('indexed');
    }
    // Accept recognises the canary with the key the canary function wrote (and the drain drops it below).
    expect((await accept.accept(await arrive('fit0000000000000000000000003', [CANARY], canarySubject))).outcome).toBe('canary');

    const probe = await engineFor('probe');
    const drains = new RecordingDrainStarter();
    await probe.probe(drains); // down: health, a sweep claim
    await primary.restart();
    expect(await probe.probeRoute('main', drains)).toMatchObject({ status: 'up', started: 'deliver' }); // the trigger's request

    primary.script = { rcpt: { 'gone@example.com': { code: 550, enhanced: '5.1.1', text: 'no such user' } } };
    const drain = await engineFor('drain');
    const delivered = await drain.drain({ route: 'main' }, { owner: 'drain-1', budgetSeconds: 60 });
    expect(delivered).toMatchObject({ delivered: 1, bounced: 1, canaries: 1 });
    await drain.drain({ route: 'main', mode: 'sweep' }, { owner: 'sweep-1', budgetSeconds: 60 });

    const { clients } = await coldStart('trigger');
    const secret = 'a-secret-of-at-least-16-chars';
    const trigger = new TriggerDrain({
      routes: async () => JSON.parse(await readRouteTable(clients.doc, env.resources.tableName, digest())).map((r: { name: string }) => r.name),
      key: new StaticTriggerKey(secret),
      gate: new DynamoTriggerGate(clients.doc, env.resources.tableName),
      probes: { probeNow: async (route) => ({ route, status: 'up', held: false }) },
      clock: { now: () => new Date() },
      log: new RecordingDeliveryLog(),
      metrics: new RecordingMetrics(),
    });
    const ts = String(Math.floor(Date.now() / 1000));
    const call = { route: 'main', timestamp: ts, signature: triggerSignature(secret, 'main', ts) };
    expect((await trigger.handle(call)).status).toBe(202);
    expect((await trigger.handle(call)).status).toBe(429); // refused: the gate reads why
  });

  afterAll(async () => {
    await primary?.stop();
    await env?.stop();
  });

  it.each(['accept', 'probe', 'drain', 'trigger', 'canary'] as Role[])('%s: every DynamoDB call it made is allowed by its role', (role) => {
    const calls = recorded.get(role)!;
    expect(calls.length).toBeGreaterThan(0);
    const statements = statementsOf(role);
    const refused = calls.map((call) => asIamRequest(call, tableArn)).filter((request) => !isAllowed(statements, request));
    expect(refused).toEqual([]);
  });

  it('the recorded runs cover the writes each function owns', () => {
    const kinds = (c: Recorded) => [asIamRequest(c, tableArn).context['dynamodb:LeadingKeys'] ?? []].flat().map((k) => k.split('#')[0]);
    const writes = (role: Role) => new Set(recorded.get(role)!.filter((c) => /Put|Update|Delete|BatchWrite/.test(c.command)).flatMap(kinds));
    // stack: accept's canary arrival (stack#canary), the probe's stack problems (stack#problems).
    expect([...writes('accept')].sort()).toEqual(['env', 'msg', 'stack']);
    expect([...writes('probe')].sort()).toEqual(['route', 'stack']);
    expect([...writes('trigger')]).toEqual(['trigger']);
    expect([...writes('canary')]).toEqual(['canary']);
    // Accept read the canary key to recognise the canary.
    expect(recorded.get('accept')!.some((c) => c.command === 'GetItemCommand' && String(c.input.Key?.pk?.S).startsWith('canary#'))).toBe(true);
    expect([...writes('drain')].sort()).toEqual(expect.arrayContaining(['msg', 'route']));
    expect(recorded.get('drain')!.some((c) => c.command === 'BatchWriteItemCommand')).toBe(true);
  });
});
