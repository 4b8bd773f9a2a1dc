// Least privilege by data ownership (invariant 9): who may write which item
// kind of the state table, read from the synthesized template's roles through
// an IAM evaluator (every Lambda role, CDK's own included); the route table
// writable only by the deploy-time writer; the digest each function checks
// is the one of the item the template writes; a tampered route table is
// refused at cold start.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEAD_SUMMARY_ATTRIBUTES, DEAD_TEXT_ATTRIBUTES } from '../../lambdas/adapters/aws/dynamo-dead-letter-store.js';
import { FORWARD_ATTRIBUTES } from '../../lambdas/adapters/aws/dynamo-forward-records.js';
import { ENVELOPE_ATTRIBUTES } from '../../lambdas/adapters/aws/dynamo-feature-stores.js';
import { QUEUED_SUMMARY_ATTRIBUTES } from '../../lambdas/adapters/aws/dynamo-index-done.js';
import { HOLD_ATTRIBUTES } from '../../lambdas/adapters/aws/dynamo-message-index.js';
import { HELD_SUMMARY_ATTRIBUTES, HELD_TEXT_ATTRIBUTES } from '../../lambdas/adapters/aws/dynamo-notice-stores.js';
import { HEALTH_TRANSITION_ATTRIBUTES, REDIRECT_ATTRIBUTES } from '../../lambdas/adapters/aws/dynamo-route-state.js';
import { CANARY_KEY_ATTRIBUTES } from '../../lambdas/adapters/aws/dynamo-canary-key.js';
import { TRIGGER_KEY_ATTRIBUTES } from '../../lambdas/adapters/aws/dynamo-trigger-key.js';
import { RECIPIENT_PUSH_KEY_ATTRIBUTES } from '../../lambdas/adapters/aws/dynamo-push-key.js';
import { CANARY_ARRIVAL_ATTRIBUTES, DELIVERY_RECORD_ATTRIBUTES, ORPHAN_WATCH_ATTRIBUTES, PROBLEM_STATE_ATTRIBUTES } from '../../lambdas/adapters/aws/dynamo-problem-records.js';
import { cachedEngine } from '../../lambdas/app/runtime-settings.js';
import { RouteTableDigestError, routeTableDigest, routeTableKey } from '../../lambdas/config/route-table.js';
import { ENV } from '../../lambdas/config/settings.js';
import { makeProbeHandler } from '../../lambdas/handlers/probe.js';
import { deployedRoutes, buildStack } from '../support/cdk/stack-fixture.js';
import { startEmulatorEnv, type EmulatorEnv } from '../support/aws/emulator-env.js';
import { functionRoles, isAllowed, roleStatements, type PolicyStatement } from '../support/cdk/iam-evaluate.js';

const CONTEXT = {
  region: 'us-east-1',
  routes: [{ name: 'corp', domains: ['example.com'], primary: { host: 'mail.example.com', port: 587, tls: 'verify', authSecretName: 'backup-mx/corp-smtp' } }],
};

// Who may write which item kind. The keys and attributes are the ones the
// adapters write (lambdas/adapters/aws/dynamo-*.ts); "may write" is what IAM
// allows, which is wider than what the code does only where IAM cannot tell
// items apart: it sees partition keys (and attribute names), never sort keys.
const SUMMARY = [...QUEUED_SUMMARY_ATTRIBUTES];
// [item kind, partition key, sort key, may write it (IAM), attributes the adapter writes]
const OWNERSHIP: [kind: string, pk: string, sk: string, mayWrite: string[], attributes: string[]][] = [
  ['route table', 'config', 'routes#<digest>', ['route-table writer'], ['pk', 'sk', 'routes']],
  ['primary health', 'route#corp', 'health', ['drain', 'probe'], ['pk', 'sk', 'route', 'status', 'since', 'lastCheckAt', 'latencyMs', 'consecutiveFailures', 'lastError', 'authRefusals', 'authRetryAt', 'refusedCredentials']],
  // The console's up/down timeline: whoever could write these could draw a false history, nothing more (no engine decision reads them).
  ['health transition (probe; the drain: same partition)', 'route#corp', 'health#2026-01-05T10:00:00.000Z', ['drain', 'probe'], [...HEALTH_TRANSITION_ATTRIBUTES]],
  ['sweep claim', 'route#corp', 'sweep', ['drain', 'probe'], ['pk', 'sk', 'route', 'lastSweepAt', 'moreWork']],
  ['drain lease (probe: same partition as its health)', 'route#corp', 'lease', ['drain', 'probe'], ['pk', 'sk', 'route', 'owner', 'leaseUntil']],
  ['last finished (probe: same partition)', 'route#corp', 'done', ['drain', 'probe'], ['pk', 'sk', 'at']],
  ['operator hold (the CLI writes it; probe and drain: same partition)', 'route#corp', 'hold', ['drain', 'probe'], ['pk', 'sk', 'route', 'since', 'reason']],
  // Whoever could write these could hold a route's mail and silence "primary down": not accept, not the public trigger.
  ['maintenance windows (the CLI writes them; probe and drain: same partition)', 'route#corp', 'windows', ['drain', 'probe'], ['pk', 'sk', 'route', 'version', 'windows', 'lastEnded']],
  // Whoever could write it could send a route's mail to any host (and, with auth, its AUTH secret): only the operator's CLI, never accept or the public trigger.
  ['operator redirect (the CLI writes it; probe and drain: same partition)', 'route#corp', 'redirect', ['drain', 'probe'], ['pk', 'sk', 'route', ...REDIRECT_ATTRIBUTES]],
  ['trigger gate', 'trigger#corp', 'gate', ['trigger'], ['pk', 'sk', 'route', 'at', 'timestamp']],
  // Created by `backup-mx trigger-url` (the operator's credentials); the trigger reads it (its own partition). The drain reads the whole table.
  ['the trigger\'s HMAC key', 'trigger#key', 'hmac', ['trigger'], [...TRIGGER_KEY_ATTRIBUTES]],
  // Created by `backup-mx recipients push-command` (the operator's credentials); no function writes it, the push only reads it
  // (test/security/recipient-push-role.test.ts, on a stack with a synced route).
  ['the recipient push key', 'pushkey#recipients', 'hmac', [], [...RECIPIENT_PUSH_KEY_ATTRIBUTES]],
  ['message summary', 'msg#m1', 'meta#corp#c1', ['accept', 'drain'], SUMMARY],
  ['done summary', 'msg#m1', 'meta#corp#c1', ['drain'], [...SUMMARY, 'lastDeliveryAt', 'expiresAt']],
  ['ledger row', 'msg#m1', 'rcpt#bob@example.com', ['drain'], ['pk', 'sk', 'messageId', 'recipient', 'state', 'reply', 'attempts', 'updatedAt', 'notice', 'expiresAt', 'history']],
  ['attempt row', 'msg#m1', 'attempt#2026-01-05T10:00:00.000Z#bob@example.com', ['drain'], ['pk', 'sk', 'messageId', 'recipient', 'at', 'relay', 'state', 'reply', 'delaySeconds', 'expiresAt']],
  // Written by the operator's `forward` (its own credentials); accept may not write it (no summary attribute set covers it).
  ['an operator\'s forward of the message (the CLI writes it; the drain: same partition)', 'msg#m1', 'forward#2026-01-05T10:00:00.000Z#corp#ceo@elsewhere.example', ['drain'], [...FORWARD_ATTRIBUTES]],
  ['dead letter: its summary (listed and counted by the index)', 'msg#m1', 'dead#corp#c1', ['drain'], [...DEAD_SUMMARY_ATTRIBUTES]],
  ['dead letter: its notification and detail', 'msg#m1', 'deadtext#corp#c1', ['drain'], [...DEAD_TEXT_ATTRIBUTES]],
  ['dead letter written by an earlier version (one item)', 'msg#m1', 'dead#corp#c1', ['drain'], ['pk', 'sk', 'messageId', 'route', 'reason', 'detail', 'at', 'notification', 'objectKey', 'copy', 'gsi1pk', 'gsi1sk']],
  ['delay notice', 'msg#m1', 'delay#corp#c1', ['drain'], ['pk', 'sk', 'messageId', 'route', 'copy', 'at', 'recipients', 'expiresAt']],
  // Residual: accept can replace any item of a message it knows the id of with
  // an inert one (summary attributes only: no recipient, reason or notification).
  ['an inert item over a ledger row (no recipient: the drain ignores it)', 'msg#m1', 'rcpt#bob@example.com', ['accept', 'drain'], ['pk', 'sk', 'messageId', 'state']],
  ['notice budget of an hour', 'notices#corp', 'budget#2026-01-05T10', ['drain'], ['pk', 'sk', 'used', 'expiresAt']],
  ['notice held for the operator: its summary (the CLI sends or discards it)', 'notices#corp', 'held#m1#c1#dsn', ['drain'], [...HELD_SUMMARY_ATTRIBUTES]],
  ['notice held for the operator: its text', 'notices#corp', 'raw#m1#c1#dsn', ['drain'], [...HELD_TEXT_ATTRIBUTES]],
  ['archived envelope', 'env#corp#2026-01-05', '2026-01-05T10:00:00.000Z#m1#c1', ['accept'], [...ENVELOPE_ATTRIBUTES]],
  // Whoever could write it could sign canaries: the drain would drop them (only ever mail to the canary address alone).
  ['the canary\'s key', 'canary#key', 'key', ['canary'], [...CANARY_KEY_ATTRIBUTES]],
  // The records the probe evaluates its conditions from (core/problems), each written by the function that knows the fact.
  ['a route\'s problems (probe; the drain: same partition)', 'route#corp', 'problems', ['drain', 'probe'], [...PROBLEM_STATE_ATTRIBUTES]],
  ['the route\'s delivery record (drain; the probe: same partition)', 'route#corp', 'deliveries', ['drain', 'probe'], [...DELIVERY_RECORD_ATTRIBUTES]],
  ['the stack\'s problems', 'stack#problems', 'problems', ['probe'], [...PROBLEM_STATE_ATTRIBUTES]],
  // Whoever could write these could silence orphaned-queue and canary-missing: only the watch (drain) and accept.
  ['what the orphaned-queue watch found', 'stack#watch', 'orphans', ['drain'], [...ORPHAN_WATCH_ATTRIBUTES]],
  ['the canary\'s last on-time arrival', 'stack#canary', 'arrival', ['accept'], [...CANARY_ARRIVAL_ATTRIBUTES]],
];

const WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

/** Our functions by their description; CDK's own by their logical id. */
function nameOf(functionId: string, description: string): string {
  const known: [string, string][] = [
    ['checks each primary', 'probe'],
    ['delivers one route queue', 'drain'],
    ['indexes each message', 'accept'],
    ['from a primary (HMAC-signed', 'trigger'],
    ['activates the SES receipt rule set', 'rule-set activator'],
    ['reserves concurrency for the trigger', 'concurrency reservation'],
    ['pauses the notices', 'notice pause'],
    ['sends the canary', 'canary'],
  ];
  const found = known.find(([text]) => description.includes(text));
  if (found) return found[1];
  // The AwsCustomResource singleton: it runs the route table's Create/Update/Delete calls.
  if (functionId.startsWith('AWS679f53fac002430cb0da5b7982bd2287')) return 'route-table writer';
  return `cdk ${functionId.replace(/[0-9A-F]{8}$/, '')}`;
}

describe('who may write which item kind of the state table (synthesized roles, IAM evaluated)', () => {
  const { template } = buildStack(CONTEXT);
  const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0]!;
  const tableArn = `<${tableId}.Arn>`;
  const roles = functionRoles(template).map(({ functionId, description, roleId }) => ({ name: nameOf(functionId, description), statements: roleStatements(template, roleId) }));
  const mayWrite = (statements: PolicyStatement[], pk: string, attributes: string[]) =>
    WRITES.some((action) => isAllowed(statements, { action, resource: tableArn, context: { 'dynamodb:LeadingKeys': [pk], 'dynamodb:Attributes': attributes } }));
  const writersOf = (pk: string, attributes: string[], only: (s: PolicyStatement) => boolean = () => true) =>
    [...new Set(roles.filter((r) => mayWrite(r.statements.filter(only), pk, attributes)).map((r) => r.name))].sort();

  it('every function of the stack is in the table, ours and CDK\'s', () => {
    const names = roles.map((r) => r.name);
    for (const ours of ['probe', 'drain', 'accept', 'trigger', 'rule-set activator', 'concurrency reservation', 'notice pause', 'route-table writer', 'canary']) expect(names).toContain(ours);
  });

  it.each(OWNERSHIP)('%s (%s / %s): written by exactly %j', (_kind, pk, _sk, expected, attributes) => {
    expect(writersOf(pk, attributes)).toEqual([...expected].sort());
  });

  it('only the route-table writer may write the config partition, even without the explicit deny (two layers)', () => {
    expect(writersOf('config', ['pk', 'sk', 'routes'], (s) => s.Effect === 'Allow')).toEqual(['route-table writer']);
    // A batch that slips one config item between message items is refused too.
    for (const role of roles.filter((r) => r.name !== 'route-table writer')) {
      expect(isAllowed(role.statements, { action: 'dynamodb:BatchWriteItem', resource: tableArn, context: { 'dynamodb:LeadingKeys': ['msg#m1', 'config'] } }), role.name).toBe(false);
    }
  });

  it('every function role that may touch the table carries the deny of writes to config', () => {
    for (const role of roles.filter((r) => r.statements.some((s) => s.Effect === 'Allow' && JSON.stringify(s.Action).includes('dynamodb:')))) {
      if (role.name === 'route-table writer') continue;
      const deny = role.statements.filter((s) => s.Effect === 'Deny');
      expect(deny, role.name).toHaveLength(1);
      expect(deny[0]!.Condition).toEqual({ 'ForAnyValue:StringEquals': { 'dynamodb:LeadingKeys': ['config'] } });
    }
  });

  it('the two functions facing attacker input read no more than they need: the trigger its gate and the route table, accept the route table and the canary key', () => {
    const read = (name: string, pk: string) => isAllowed(roles.find((r) => r.name === name)!.statements, { action: 'dynamodb:GetItem', resource: tableArn, context: { 'dynamodb:LeadingKeys': [pk] } });
    expect(['config', 'trigger#corp', 'route#corp', 'msg#m1', 'env#corp#2026-01-05', 'pushkey#recipients'].map((pk) => read('trigger', pk))).toEqual([true, true, false, false, false, false]);
    expect(['config', 'trigger#corp', 'route#corp', 'msg#m1', 'env#corp#2026-01-05', 'canary#key'].map((pk) => read('accept', pk))).toEqual([true, false, false, false, false, true]);
    // The canary function reads its key and nothing else: not the route table, no mail.
    expect(['config', 'trigger#corp', 'route#corp', 'msg#m1', 'env#corp#2026-01-05', 'canary#key'].map((pk) => read('canary', pk))).toEqual([false, false, false, false, false, true]);
    // A put that returns the item it replaced would be a read: accept may not ask for it.
    const accept = roles.find((r) => r.name === 'accept')!.statements;
    const put = (returnValues?: string) => isAllowed(accept, { action: 'dynamodb:PutItem', resource: tableArn, context: { 'dynamodb:LeadingKeys': ['msg#m1'], 'dynamodb:Attributes': SUMMARY, 'dynamodb:ReturnValues': returnValues } });
    expect([put(), put('NONE'), put('ALL_OLD')]).toEqual([true, true, false]);
    // Accept may read the canary key but never write it (a forged key would let a sender's mail be signed).
    expect(isAllowed(accept, { action: 'dynamodb:PutItem', resource: tableArn, context: { 'dynamodb:LeadingKeys': ['canary#key'], 'dynamodb:Attributes': [...CANARY_KEY_ATTRIBUTES] } })).toBe(false);
  });

  it('a sender cannot hold or release a message: accept may not write the hold attributes of a summary (`hold --message`)', () => {
    const accept = roles.find((r) => r.name === 'accept')!.statements;
    const write = (action: string, attributes: string[]) => isAllowed(accept, { action, resource: tableArn, context: { 'dynamodb:LeadingKeys': ['msg#m1'], 'dynamodb:Attributes': attributes } });
    expect(write('dynamodb:PutItem', SUMMARY)).toBe(true); // what accept writes
    for (const held of HOLD_ATTRIBUTES) {
      expect(write('dynamodb:PutItem', [...SUMMARY, held]), held).toBe(false);
      expect(write('dynamodb:UpdateItem', ['pk', 'sk', held]), held).toBe(false);
    }
  });

  it('the probe may count the held notices (Query with Select COUNT) but not read them: they carry the original headers', () => {
    const probe = roles.find((r) => r.name === 'probe')!.statements;
    const query = (select?: string) => isAllowed(probe, { action: 'dynamodb:Query', resource: tableArn, context: { 'dynamodb:LeadingKeys': ['notices#corp'], 'dynamodb:Select': select } });
    expect([query('COUNT'), query('ALL_ATTRIBUTES'), query('SPECIFIC_ATTRIBUTES'), query()]).toEqual([true, false, false, false]);
    expect(isAllowed(probe, { action: 'dynamodb:GetItem', resource: tableArn, context: { 'dynamodb:LeadingKeys': ['notices#corp'] } })).toBe(false);
  });

  it('the digest in every function\'s environment is the runtime digest of the item the template writes, under that digest\'s key', () => {
    const digests = new Set(
      Object.values(template.findResources('AWS::Lambda::Function'))
        .map((fn) => (fn.Properties?.Environment?.Variables ?? {})[ENV.routeTableDigest] as string | undefined)
        .filter((d) => d !== undefined),
    );
    expect(digests.size).toBe(1);
    const [digest] = [...digests];
    // What a function reads at a cold start, with the queue URL tokens as CloudFormation resolves them.
    const routes = deployedRoutes(template).map((route) => ({ ...route, queueUrl: `https://sqs.us-east-1.amazonaws.com/123456789012/BackupMx-${String(route.queueUrl).replace(/\W/g, '')}` }));
    expect(routeTableDigest(routes)).toBe(digest);
    const writer = Object.values(template.findResources('Custom::AWS'))[0]!;
    expect(JSON.stringify(writer.Properties!.Create)).toContain(`routes#${digest}`);
    // Four functions read the table and check it (probe, drain, accept, trigger); a refusal fails the
    // invocation (the runtime's ERROR line), which the ErrorLines filter on each one's log group counts.
    const checking = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([, fn]) => (fn.Properties?.Environment?.Variables ?? {})[ENV.routeTableDigest] !== undefined);
    expect(checking).toHaveLength(4);
    const filters = Object.values(template.findResources('AWS::Logs::MetricFilter'));
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    for (const [id, fn] of checking) {
      const logGroup = JSON.stringify(fn.Properties?.LoggingConfig?.LogGroup);
      const filter = filters.find((f) => JSON.stringify(f.Properties?.LogGroupName) === logGroup);
      expect(filter, id).toBeDefined();
      const metricName = filter!.Properties!.MetricTransformations[0].MetricName;
      expect(alarms.some((a) => a.Properties?.MetricName === metricName), id).toBe(true);
    }
  });
});

describe('a tampered route table is refused at cold start (dynalite)', () => {
  let env: EmulatorEnv;
  let lines: string[];
  const routes = [{ name: 'main', domains: ['example.com'], primary: { host: 'mail.example.com', port: 587, tls: 'verify' }, queueUrl: 'https://sqs.example/q', bouncePolicy: 'dsn' }];
  const digest = routeTableDigest(routes);
  const lambdaEnv = () => ({
    AWS_REGION: env.clientConfig.region,
    AWS_ENDPOINT_URL: env.clientConfig.endpoints?.dynamodb ?? env.clientConfig.endpoint,
    [ENV.tableName]: env.resources.tableName,
    [ENV.bucketName]: env.resources.bucketName,
    [ENV.deadLetterQueueUrl]: env.resources.deadLetterQueue.url,
    [ENV.routeTableDigest]: digest,
    // The stack sets it on every function (the metrics' stack dimension).
    [ENV.stackName]: 'BackupMx',
  });
  const write = (table: unknown[]) => env.clients.doc.send(new PutCommand({ TableName: env.resources.tableName, Item: { ...routeTableKey(digest), routes: JSON.stringify(table) } }));

  beforeAll(async () => {
    env = await startEmulatorEnv({ routes: ['main'] });
  });
  afterAll(async () => {
    await env?.stop();
  });
  afterEach(() => vi.restoreAllMocks());

  function collectLines() {
    lines = [];
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        return true;
      });
    }
  }

  it('the table as deployed builds the engine', async () => {
    await write(routes);
    const engine = await cachedEngine(lambdaEnv())();
    expect(engine.settings.routes.map((r) => [r.name, r.primary.host])).toEqual([['main', 'mail.example.com']]);
  });

  it.each([
    ['another primary host', [{ ...routes[0]!, primary: { ...routes[0]!.primary, host: 'mx.attacker.example' } }]],
    ['TLS turned off', [{ ...routes[0]!, primary: { ...routes[0]!.primary, tls: 'none' } }]],
    ['a domain added', [{ ...routes[0]!, domains: ['example.com', 'victim.example'] }]],
  ])('%s in the item: the engine is not built, an error line names it, the invocation fails (Errors alarm)', async (_what, tampered) => {
    await write(tampered);
    collectLines();
    await expect(cachedEngine(lambdaEnv())()).rejects.toBeInstanceOf(RouteTableDigestError);
    expect(lines.some((l) => l.includes('ROUTE TABLE REFUSED') && l.includes('"level":"ERROR"'))).toBe(true);
    // The probe handler (any handler: they share cachedEngine) throws, so Lambda counts an error.
    await expect(makeProbeHandler(cachedEngine(lambdaEnv()))()).rejects.toThrow(/route table refused/);
  });
});
