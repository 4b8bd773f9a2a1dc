// The public recipient push function, run on its own clients against the
// emulators through its Lambda handler: every DynamoDB and S3 call it makes
// is allowed by its role in the synthesized template, and the role holds
// nothing more than that: no SES action at all (SES cannot scope receipt-rule
// actions to one set, so the private writer writes the rules), invoke on the
// rule writer only (never the deploy's custom resource function), S3 on recipient-lists/ only, no write outside recipients#;
// it reads the stack's push key (pushkey#recipients) but cannot write it, and cannot read the trigger key, which
// every primary calling the trigger holds (a route key derived from that is refused).
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTriggerClients } from '../../lambdas/adapters/aws/clients.js';
import { RECIPIENT_PUSH_KEY_ITEM } from '../../lambdas/adapters/aws/dynamo-push-key.js';
import { TRIGGER_KEY_ITEM } from '../../lambdas/adapters/aws/dynamo-trigger-key.js';
import { composeRecipientPush } from '../../lambdas/app/recipient-push-app.js';
import { routeTableDigest, routeTableKey, ROUTE_TABLE_ATTRIBUTE } from '../../lambdas/config/route-table.js';
import { bodyDigest, pushSignature, routePushKey } from '../../lambdas/core/recipients/push-signature.js';
import { makeRecipientPushHandler } from '../../lambdas/handlers/recipient-push.js';
import { startEmulatorEnv, type EmulatorEnv } from '../support/aws/emulator-env.js';
import { buildStack } from '../support/cdk/stack-fixture.js';
import { functionRoles, isAllowed, roleStatements, type IamRequest, type PolicyStatement } from '../support/cdk/iam-evaluate.js';

const STACK_KEY = 'a'.repeat(64);
/** The trigger's key, which every primary calling the trigger holds: not the push's. */
const TRIGGER_KEY = 'b'.repeat(64);

/** The attributes an UpdateItem names (its key, and every name in its update and condition expressions), as IAM's dynamodb:Attributes. */
function updatedAttributes(input: { Key?: Record<string, unknown>; UpdateExpression?: string; ConditionExpression?: string; ExpressionAttributeNames?: Record<string, string> }): string[] {
  const names = `${input.UpdateExpression ?? ''} ${input.ConditionExpression ?? ''}`.match(/(?<![:\w#])#?[A-Za-z_]\w*/g) ?? [];
  const keywords = new Set(['SET', 'REMOVE', 'ADD', 'DELETE', 'AND', 'OR', 'NOT', 'attribute_exists', 'attribute_not_exists', 'if_not_exists', 'list_append', 'size']);
  const resolved = names.filter((n) => !keywords.has(n)).map((n) => (n.startsWith('#') ? input.ExpressionAttributeNames![n]! : n));
  return [...new Set([...Object.keys(input.Key ?? {}), ...resolved])];
}

describe('the recipient push function\'s role fits what it does, and no more', () => {
  const context = {
    region: 'us-east-1',
    routes: [{ name: 'corp', domains: ['example.com'], recipientSync: { maxAddresses: 500 }, primary: { host: 'mail.example.com', port: 587, tls: 'verify' } }],
  };
  const { template } = buildStack(context);
  const roles = functionRoles(template);
  const push = roles.find((f) => f.description.includes('pushed by its primary'))!;
  const writer = roles.find((f) => f.description.includes('receipt rules after a push'))!;
  const deployFn = roles.find((f) => f.description.includes('receipt rules from the stored lists on deploy'))!;
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
    await env.clients.doc.send(new PutCommand({ TableName: env.resources.tableName, Item: { ...RECIPIENT_PUSH_KEY_ITEM, key: STACK_KEY } }));
    await env.clients.doc.send(new PutCommand({ TableName: env.resources.tableName, Item: { ...TRIGGER_KEY_ITEM, key: TRIGGER_KEY } }));
    const clients = createTriggerClients(env.clientConfig);
    clients.doc.middlewareStack.add(
      (next, ctx) => async (args) => {
        const input = args.input as Record<string, any>;
        const action = `dynamodb:${String(ctx.commandName).replace(/Command$/, '')}`;
        const context: IamRequest['context'] = { 'dynamodb:LeadingKeys': [String(input.Key?.pk ?? input.Item?.pk)] };
        if (action === 'dynamodb:UpdateItem') context['dynamodb:Attributes'] = updatedAttributes(input);
        if (input.ReturnValues) context['dynamodb:ReturnValues'] = String(input.ReturnValues);
        dynamo.push({ action, resource: tableArn, context });
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

  it('a route key derived from the trigger key is refused (401) before the routes or the store are read', async () => {
    const body = 'c@example.com\n';
    const ts = String(Math.floor(Date.now() / 1000));
    const before = dynamo.length;
    const answer = await handler(event(body, ts, pushSignature(routePushKey(TRIGGER_KEY, 'corp'), HOST, 'corp', true, ts, bodyDigest(body))));
    expect(answer.statusCode).toBe(401);
    // Only the push key item was read (at most once: it is cached), nothing under recipients# or the route table.
    expect(dynamo.slice(before).map((r) => r.context['dynamodb:LeadingKeys'])).toEqual(dynamo.slice(before).map(() => [RECIPIENT_PUSH_KEY_ITEM.pk]));
  });

  it('reads the push key item but may not write it (not even with a push\'s attributes); cannot read the trigger key; the trigger cannot read the push key', () => {
    const at = (action: string, pk: string, attributes?: string[]) => ({ action, resource: tableArn, context: { 'dynamodb:LeadingKeys': [pk], ...(attributes ? { 'dynamodb:Attributes': attributes } : {}) } });
    const pushKey = RECIPIENT_PUSH_KEY_ITEM.pk;
    expect(isAllowed(statements, at('dynamodb:GetItem', pushKey))).toBe(true);
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']) {
      expect(isAllowed(statements, at(action, pushKey))).toBe(false);
      expect(isAllowed(statements, at(action, pushKey, ['pk', 'sk', 'version', 'timestamp', 'at']))).toBe(false);
    }
    // A route named "key" has its pointer at recipients#key: another partition than the key's.
    expect(isAllowed(statements, at('dynamodb:UpdateItem', 'recipients#key', ['pk', 'sk', 'timestamp', 'at']))).toBe(true);
    expect(pushKey.startsWith('recipients#')).toBe(false);
    expect(isAllowed(statements, at('dynamodb:GetItem', TRIGGER_KEY_ITEM.pk))).toBe(false);
    const trigger = roles.find((r) => r.description.includes('"I\'m back" from a primary'));
    expect(trigger).toBeDefined();
    const triggerStatements = roleStatements(template, trigger!.roleId);
    expect(isAllowed(triggerStatements, at('dynamodb:GetItem', TRIGGER_KEY_ITEM.pk))).toBe(true);
    expect(isAllowed(triggerStatements, at('dynamodb:GetItem', pushKey))).toBe(false);
  });

  it('with trigger.keySecretName, the trigger reads the secret and the push neither reads it nor is told its name', () => {
    const withSecret = buildStack({ ...context, trigger: { keySecretName: 'backup-mx/trigger-key' } }).template;
    const fns = functionRoles(withSecret);
    const readsSecret = (roleId: string) => roleStatements(withSecret, roleId).some((s) => [s.Action].flat().some((a) => String(a).startsWith('secretsmanager:')));
    const pushRole = fns.find((f) => f.description.includes('pushed by its primary'))!;
    const triggerRole = fns.find((f) => f.description.includes('"I\'m back" from a primary'))!;
    expect(readsSecret(triggerRole.roleId)).toBe(true);
    expect(readsSecret(pushRole.roleId)).toBe(false);
    const variables = withSecret.toJSON().Resources[pushRole.functionId].Properties.Environment.Variables as Record<string, unknown>;
    expect(Object.keys(variables)).not.toContain('BACKUPMX_TRIGGER_SECRET');
  });

  it('holds no SES action, invokes only the rule writer, and cannot write the route table, read a trigger gate or touch mail', () => {
    const actions = statements.flatMap((s) => [s.Action].flat().map(String));
    expect(actions.filter((a) => a.startsWith('ses:'))).toEqual([]);
    const writerFn = roles.find((r) => r.roleId === writer.roleId)!.functionId;
    const invokeResources = statements.filter((s) => [s.Action].flat().includes('lambda:InvokeFunction')).flatMap((s) => [s.Resource].flat().map((r) => JSON.stringify(r)));
    expect(invokeResources.length).toBeGreaterThan(0);
    for (const resource of invokeResources) expect(resource).toContain(writerFn);
    // Never the deploy's custom resource function, which takes its set and routes from its event.
    expect(deployFn.functionId).not.toBe(writerFn);
    for (const resource of invokeResources) expect(resource).not.toContain(deployFn.functionId);
    expect(isAllowed(statements, { action: 'lambda:InvokeFunction', resource: `<${deployFn.functionId}.Arn>`, context: {} })).toBe(false);
    expect(isAllowed(statements, { action: 'lambda:InvokeFunction', resource: `<${writerFn}.Arn>`, context: {} })).toBe(true);
    const key = (pk: string) => ({ 'dynamodb:LeadingKeys': [pk] });
    expect(isAllowed(statements, { action: 'dynamodb:PutItem', resource: tableArn, context: key('config') })).toBe(false);
    expect(isAllowed(statements, { action: 'dynamodb:UpdateItem', resource: tableArn, context: key('config') })).toBe(false);
    expect(isAllowed(statements, { action: 'dynamodb:GetItem', resource: tableArn, context: key('trigger#corp') })).toBe(false);
    expect(isAllowed(statements, { action: 'dynamodb:UpdateItem', resource: tableArn, context: key('trigger#key') })).toBe(false);
    expect(isAllowed(statements, { action: 'dynamodb:GetItem', resource: tableArn, context: key('msg#m1') })).toBe(false);
    expect(isAllowed(statements, { action: 's3:GetObject', resource: `<${bucketId}.Arn>/mail/corp/m1`, context: {} })).toBe(false);
    expect(isAllowed(statements, { action: 's3:DeleteObject', resource: `<${bucketId}.Arn>/recipient-lists/corp/1`, context: {} })).toBe(false);
  });

  it('under recipients# it may update only what a push writes: never appliedVersion/appliedAt, nor any other attribute', () => {
    const update = (attributes: string[], returnValues?: string) =>
      isAllowed(statements, { action: 'dynamodb:UpdateItem', resource: tableArn, context: { 'dynamodb:LeadingKeys': ['recipients#corp'], 'dynamodb:Attributes': attributes, 'dynamodb:ReturnValues': returnValues } });
    expect(update(['pk', 'sk', 'version', 'bodyKey', 'count', 'updatedAt', 'source', 'forced', 'bodySha256', 'peakCount', 'peakAt'])).toBe(true);
    expect(update(['pk', 'sk', 'timestamp', 'at'])).toBe(true);
    expect(update(['pk', 'sk', 'appliedVersion'])).toBe(false);
    expect(update(['pk', 'sk', 'version', 'appliedAt'])).toBe(false);
    expect(update(['pk', 'sk', 'addresses'])).toBe(false);
    expect(update(['pk', 'sk', 'version'], 'ALL_OLD')).toBe(false);
    expect(isAllowed(statements, { action: 'dynamodb:PutItem', resource: tableArn, context: { 'dynamodb:LeadingKeys': ['recipients#corp'], 'dynamodb:Attributes': ['pk', 'sk', 'version'] } })).toBe(false);
    // The push above made UpdateItem calls, each checked with its attributes.
    expect(dynamo.filter((r) => r.action === 'dynamodb:UpdateItem' && [r.context['dynamodb:Attributes']].flat().includes('bodyKey'))).not.toHaveLength(0);
    expect(dynamo.filter((r) => r.action === 'dynamodb:UpdateItem' && [r.context['dynamodb:Attributes']].flat().includes('timestamp'))).not.toHaveLength(0);
  });

  it('the writer reads the route table to take a push\'s pass (its grants include config) and has the settings it needs', () => {
    const writerStatements = roleStatements(template, writer.roleId);
    expect(isAllowed(writerStatements, { action: 'dynamodb:GetItem', resource: tableArn, context: { 'dynamodb:LeadingKeys': ['config'] } })).toBe(true);
    expect(isAllowed(writerStatements, { action: 'dynamodb:PutItem', resource: tableArn, context: { 'dynamodb:LeadingKeys': ['config'] } })).toBe(false);
    const fn = template.toJSON().Resources[roles.find((r) => r.roleId === writer.roleId)!.functionId].Properties.Environment.Variables as Record<string, unknown>;
    expect(Object.keys(fn)).toEqual(expect.arrayContaining(['BACKUPMX_TABLE_NAME', 'BACKUPMX_BUCKET_NAME', 'BACKUPMX_ROUTE_TABLE_DIGEST', 'BACKUPMX_RULE_SET_NAME']));
  });
});
