// The public recipient push function, run on its own clients against the
// emulators through its Lambda handler: every DynamoDB and S3 call it makes
// is allowed by its role in the synthesized template, and the role holds
// nothing more than that: no SES action at all (SES cannot scope receipt-rule
// actions to one set, so the private writer writes the rules), invoke on the
// rule writer only, S3 on recipient-lists/ only, no write outside recipients#.
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTriggerClients } from '../../lambdas/adapters/aws/clients.js';
import { TRIGGER_KEY_ITEM } from '../../lambdas/adapters/aws/dynamo-trigger-key.js';
import { composeRecipientPush } from '../../lambdas/app/recipient-push-app.js';
import { routeTableDigest, routeTableKey, ROUTE_TABLE_ATTRIBUTE } from '../../lambdas/config/route-table.js';
import { bodyDigest, pushSignature, routePushKey } from '../../lambdas/core/recipients/push-signature.js';
import { makeRecipientPushHandler } from '../../lambdas/handlers/recipient-push.js';
import { startEmulatorEnv, type EmulatorEnv } from '../support/aws/emulator-env.js';
import { buildStack } from '../support/cdk/stack-fixture.js';
import { functionRoles, isAllowed, roleStatements, type IamRequest, type PolicyStatement } from '../support/cdk/iam-evaluate.js';

const STACK_KEY = 'a'.repeat(64);

describe('the recipient push function\'s role fits what it does, and no more', () => {
  const context = {
    region: 'us-east-1',
    routes: [{ name: 'corp', domains: ['example.com'], recipientSync: { maxAddresses: 500 }, primary: { host: 'mail.example.com', port: 587, tls: 'verify' } }],
  };
  const { template } = buildStack(context);
  const roles = functionRoles(template);
  const push = roles.find((f) => f.description.includes('pushed by its primary'))!;
  const writer = roles.find((f) => f.description.includes('synced routes\' SES receipt rules'))!;
  const statements: PolicyStatement[] = roleStatements(template, push.roleId);
  const tableArn = `<${Object.keys(template.findResources('AWS::DynamoDB::Table'))[0]!}.Arn>`;
  const bucketId = Object.keys(template.findResources('AWS::S3::Bucket')).find((id) => /Mail/.test(id))!;
  const dynamo: IamRequest[] = [];
  const s3: IamRequest[] = [];
  const invoked: string[] = [];
  let env: EmulatorEnv;
  let handler: ReturnType<typeof makeRecipientPushHandler>;

  beforeAll(async () => {
    env = await startEmulatorEnv();
    const routes = [{ name: 'corp', domains: ['example.com'], primary: { host: 'mail.example.com', port: 587, tls: 'verify' }, queueUrl: 'q', bouncePolicy: 'dsn', recipientSync: { maxShrinkPercent: 10, maxAddresses: 500 } }];
    const digest = routeTableDigest(routes);
    await env.clients.doc.send(new PutCommand({ TableName: env.resources.tableName, Item: { ...routeTableKey(digest), [ROUTE_TABLE_ATTRIBUTE]: JSON.stringify(routes) } }));
    await env.clients.doc.send(new PutCommand({ TableName: env.resources.tableName, Item: { ...TRIGGER_KEY_ITEM, key: STACK_KEY } }));
    const clients = createTriggerClients(env.clientConfig);
    clients.doc.middlewareStack.add(
      (next, ctx) => async (args) => {
        const input = args.input as Record<string, any>;
        const action = `dynamodb:${String(ctx.commandName).replace(/Command$/, '')}`;
        dynamo.push({ action, resource: tableArn, context: { 'dynamodb:LeadingKeys': [String(input.Key?.pk ?? input.Item?.pk)] } });
        return next(args);
      },
      { step: 'initialize', name: 'recordDynamo' },
    );
    const { s3: realS3 } = env.clients;
    realS3.middlewareStack.add(
      (next, ctx) => async (args) => {
        const input = args.input as { Key?: string };
        s3.push({ action: `s3:${String(ctx.commandName).replace(/Command$/, '')}`, resource: `<${bucketId}.Arn>/${input.Key}`, context: {} });
        return next(args);
      },
      { step: 'initialize', name: 'recordS3' },
    );
    // The rule writer's invoke is recorded, not sent (no Lambda emulator).
    const lambda = new LambdaClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    lambda.middlewareStack.add(
      () => async (args) => {
        const input = (args.input as InvokeCommand['input']);
        invoked.push(`${input.InvocationType} ${new TextDecoder().decode(input.Payload as Uint8Array)}`);
        return { output: { StatusCode: 202, $metadata: {} }, response: {} } as never;
      },
      { step: 'initialize', name: 'fakeInvoke' },
    );
    const settings = { tableName: env.resources.tableName, bucketName: env.resources.bucketName, ruleWriterFunctionName: 'writer', routeTableDigest: digest, maxBodyBytes: 161_000, stackName: 'BackupMx' };
    handler = makeRecipientPushHandler(() => composeRecipientPush({ settings, clients: { ...clients, lambda, s3: realS3 } }));
  });
  afterAll(() => env?.stop());

  const HOST = 'abc123.lambda-url.us-east-1.on.aws';
  // The first list of a route with no seed is taken only forced (the shrink guard).
  const event = (body: string, ts: string, signature: string) => ({
    rawPath: '/corp/recipients',
    rawQueryString: 'force=1',
    headers: { 'x-backupmx-timestamp': ts, 'x-backupmx-signature': signature, 'content-type': 'text/plain' },
    requestContext: { http: { method: 'POST' }, domainName: HOST } as never,
    body,
    isBase64Encoded: false,
  });

  it('a push is stored, the writer asked asynchronously with the route only; every call it made is allowed by its role', async () => {
    const body = 'a@example.com\nb@example.com\n';
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = pushSignature(routePushKey(STACK_KEY, 'corp'), HOST, 'corp', true, ts, bodyDigest(body));
    const answer = await handler(event(body, ts, signature));
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ added: 2, total: 2, version: 1, rulesPending: true });
    expect(invoked).toEqual(['Event {"applyRules":"corp"}']);
    expect((await handler(event(body, ts, signature))).statusCode).toBe(401); // replayed
    expect(dynamo.length).toBeGreaterThan(0);
    expect(s3.length).toBeGreaterThan(0);
    expect([...dynamo, ...s3].filter((request) => !isAllowed(statements, request))).toEqual([]);
    expect(new Set(dynamo.filter((r) => /Put|Update|Delete/.test(r.action)).flatMap((r) => [r.context['dynamodb:LeadingKeys']].flat().map((k) => String(k).split('#')[0])))).toEqual(new Set(['recipients']));
  });

  it('holds no SES action, invokes only the rule writer, and cannot write the route table, read a trigger gate or touch mail', () => {
    const actions = statements.flatMap((s) => [s.Action].flat().map(String));
    expect(actions.filter((a) => a.startsWith('ses:'))).toEqual([]);
    const writerFn = roles.find((r) => r.roleId === writer.roleId)!.functionId;
    const invokeResources = statements.filter((s) => [s.Action].flat().includes('lambda:InvokeFunction')).flatMap((s) => [s.Resource].flat().map((r) => JSON.stringify(r)));
    expect(invokeResources.length).toBeGreaterThan(0);
    for (const resource of invokeResources) expect(resource).toContain(writerFn);
    const key = (pk: string) => ({ 'dynamodb:LeadingKeys': [pk] });
    expect(isAllowed(statements, { action: 'dynamodb:PutItem', resource: tableArn, context: key('config') })).toBe(false);
    expect(isAllowed(statements, { action: 'dynamodb:UpdateItem', resource: tableArn, context: key('config') })).toBe(false);
    expect(isAllowed(statements, { action: 'dynamodb:GetItem', resource: tableArn, context: key('trigger#corp') })).toBe(false);
    expect(isAllowed(statements, { action: 'dynamodb:UpdateItem', resource: tableArn, context: key('trigger#key') })).toBe(false);
    expect(isAllowed(statements, { action: 'dynamodb:GetItem', resource: tableArn, context: key('msg#m1') })).toBe(false);
    expect(isAllowed(statements, { action: 's3:GetObject', resource: `<${bucketId}.Arn>/mail/corp/m1`, context: {} })).toBe(false);
    expect(isAllowed(statements, { action: 's3:DeleteObject', resource: `<${bucketId}.Arn>/recipient-lists/corp/1`, context: {} })).toBe(false);
  });

  it('the writer reads the route table to take a push\'s pass (its grants include config) and has the settings it needs', () => {
    const writerStatements = roleStatements(template, writer.roleId);
    expect(isAllowed(writerStatements, { action: 'dynamodb:GetItem', resource: tableArn, context: { 'dynamodb:LeadingKeys': ['config'] } })).toBe(true);
    expect(isAllowed(writerStatements, { action: 'dynamodb:PutItem', resource: tableArn, context: { 'dynamodb:LeadingKeys': ['config'] } })).toBe(false);
    const fn = template.toJSON().Resources[roles.find((r) => r.roleId === writer.roleId)!.functionId].Properties.Environment.Variables as Record<string, unknown>;
    expect(Object.keys(fn)).toEqual(expect.arrayContaining(['BACKUPMX_TABLE_NAME', 'BACKUPMX_BUCKET_NAME', 'BACKUPMX_ROUTE_TABLE_DIGEST', 'BACKUPMX_RULE_SET_NAME']));
  });
});
