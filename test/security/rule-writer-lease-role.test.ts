// The rule writers' lease (rulewriter#<rule set>) on the synthesized roles:
// every call the lease makes is allowed to the rule writer, and the public push
// function, which faces anonymous callers, can neither take, hold nor break it
// (it may write recipients#, which is why the lease is not there).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoRuleWriterLease } from '../../lambdas/adapters/aws/dynamo-rule-writer-lease.js';
import { startEmulatorEnv, type EmulatorEnv } from '../support/aws/emulator-env.js';
import { buildStack } from '../support/cdk/stack-fixture.js';
import { functionRoles, isAllowed, roleStatements, type IamRequest } from '../support/cdk/iam-evaluate.js';

describe('the rule writers\' lease fits the writer\'s role, and the push function cannot touch it', () => {
  const { template } = buildStack({
    region: 'us-east-1',
    routes: [{ name: 'corp', domains: ['example.com'], recipientSync: { maxAddresses: 500 }, primary: { host: 'mail.example.com', port: 587, tls: 'verify' } }],
  });
  const roles = functionRoles(template);
  const push = roleStatements(template, roles.find((f) => f.description.includes('pushed by its primary'))!.roleId);
  const writer = roleStatements(template, roles.find((f) => f.description.includes('synced routes\' SES receipt rules'))!.roleId);
  const tableArn = `<${Object.keys(template.findResources('AWS::DynamoDB::Table'))[0]!}.Arn>`;
  const calls: IamRequest[] = [];
  let env: EmulatorEnv;

  beforeAll(async () => {
    env = await startEmulatorEnv();
    env.clients.doc.middlewareStack.add(
      (next, ctx) => async (args) => {
        const input = args.input as { Key?: { pk?: string } };
        calls.push({ action: `dynamodb:${String(ctx.commandName).replace(/Command$/, '')}`, resource: tableArn, context: { 'dynamodb:LeadingKeys': [String(input.Key?.pk)] } });
        return next(args);
      },
      { step: 'initialize', name: 'recordLeaseCalls' },
    );
  });
  afterAll(() => env?.stop());

  it('take (recording the route table), refuse (and read the holder; the deploy marks that it waits), release: each call allowed to the writer, none to the push function', async () => {
    const lease = new DynamoRuleWriterLease(env.clients.doc, env.resources.tableName, 'backup-mx');
    const now = new Date('2026-12-01T10:00:00Z');
    const until = new Date(now.getTime() + 60_000);
    expect(await lease.acquire('a', now, until, { as: 'deploy', waitUntil: until, routeTableDigest: 'b'.repeat(64) })).toMatchObject({ taken: true });
    expect(await lease.acquire('b', now, until, { as: 'push' })).toMatchObject({ taken: false });
    // The deploy finds it taken: it marks that it waits (an update), then reads the holder.
    expect(await lease.acquire('c', now, until, { as: 'deploy', waitUntil: until })).toMatchObject({ taken: false });
    await lease.release('a');
    expect(new Set(calls.map((c) => c.action))).toEqual(new Set(['dynamodb:UpdateItem', 'dynamodb:GetItem']));
    expect(calls.filter((c) => !isAllowed(writer, c))).toEqual([]);
    expect(calls.filter((c) => isAllowed(push, c))).toEqual([]);
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']) {
      expect(isAllowed(push, { action, resource: tableArn, context: { 'dynamodb:LeadingKeys': ['rulewriter#backup-mx'] } })).toBe(false);
    }
  });
});
