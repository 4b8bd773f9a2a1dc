// A flood of calls to the public trigger URL is cheap to refuse: the Lambda
// handler as deployed (its module-level use case, real adapters on mocked AWS
// clients) reads the HMAC key (the state table's trigger#key item) at most
// once per container, reads nothing else and invokes nothing for a call it
// refuses, and counts every refusal in the TriggerRefused metric (one EMF
// record each, no API call). No Secrets Manager call at all: the key is not
// a secret of its own any more (trigger.keySecretName aside).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { TRIGGER_KEY_ITEM } from '../../lambdas/adapters/aws/dynamo-trigger-key.js';
import { METRICS_NAMESPACE, TRIGGER_REFUSED_METRIC } from '../../lambdas/adapters/aws/powertools-metrics.js';
import { routeTableDigest } from '../../lambdas/config/route-table.js';
import { ENV } from '../../lambdas/config/settings.js';
import { TRIGGER_WINDOW_SECONDS, triggerSignature } from '../../lambdas/core/operator/trigger-signature.js';

const SECRET = 'k'.repeat(64);
const FLOOD = 200;

const secrets = mockClient(SecretsManagerClient);
const dynamo = mockClient(DynamoDBClient);
const doc = mockClient(DynamoDBDocumentClient);
const lambda = mockClient(LambdaClient);

let lines: string[] = [];
let handler: typeof import('../../lambdas/handlers/trigger.js').handler;

beforeAll(async () => {
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv(ENV.tableName, 'State');
  vi.stubEnv(ENV.probeFunctionName, 'BackupMx-Probe');
  vi.stubEnv(ENV.routeTableDigest, routeTableDigest([]));
  vi.stubEnv(ENV.stackName, 'BackupMx');
  // Powertools writes EMF as Lambda does (not silenced or pretty-printed for development).
  vi.stubEnv('POWERTOOLS_DEV', '');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  doc.on(GetCommand, { TableName: 'State', Key: TRIGGER_KEY_ITEM }).resolves({ Item: { ...TRIGGER_KEY_ITEM, key: SECRET, createdAt: '2026-01-05T10:00:00Z' } });
  // The deployed handler module: one use case per container, built on its first call.
  ({ handler } = await import('../../lambdas/handlers/trigger.js'));
});
afterAll(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});
beforeEach(() => {
  lines = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    });
  }
});

const call = (headers: Record<string, string>, method = 'POST', rawPath = '/main') => handler({ rawPath, headers, requestContext: { http: { method } } } as never);
const now = () => Math.floor(Date.now() / 1000);

/** TriggerRefused from the EMF records written, summed. */
function refusedCount(): number {
  return lines
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    })
    .filter((record) => record?._aws !== undefined && JSON.stringify(record._aws).includes(METRICS_NAMESPACE))
    .reduce((sum, record) => sum + [record![TRIGGER_REFUSED_METRIC] ?? 0].flat().reduce((a: number, v) => a + Number(v), 0), 0);
}

const keyReads = () => doc.commandCalls(GetCommand).filter((c) => JSON.stringify(c.args[0].input.Key) === JSON.stringify(TRIGGER_KEY_ITEM)).length;
const awsCalls = () => ({
  keyReads: keyReads(),
  secretReads: secrets.commandCalls(GetSecretValueCommand).length,
  otherDynamo: dynamo.calls().length + doc.calls().length - keyReads(),
  invokes: lambda.commandCalls(InvokeCommand).length,
});

describe('a flood of calls to the trigger URL (the deployed handler, AWS clients mocked)', () => {
  it('a cold container: malformed, stale, future and wrong-method calls read no key at all, and are counted', async () => {
    // Well outside the window: a cold start on a loaded machine can take seconds, which must not bring them inside it.
    const stale = String(now() - TRIGGER_WINDOW_SECONDS - 600);
    const future = String(now() + TRIGGER_WINDOW_SECONDS + 600);
    // One at a time, as Lambda runs them in one container.
    const answers = [];
    for (const [headers, method, path] of [
      [{}],
      [{ 'x-backupmx-timestamp': 'now', 'x-backupmx-signature': 'f'.repeat(64) }],
      [{ 'x-backupmx-timestamp': stale, 'x-backupmx-signature': triggerSignature(SECRET, 'main', stale) }],
      [{ 'x-backupmx-timestamp': future, 'x-backupmx-signature': triggerSignature(SECRET, 'main', future) }],
      [{}, 'GET'],
      [{}, 'POST', '/%E0'],
    ] as [Record<string, string>, string?, string?][]) {
      answers.push(await call(headers, method, path));
    }
    expect(answers.map((a) => a.statusCode)).toEqual([401, 401, 401, 401, 405, 404]);
    expect(awsCalls()).toEqual({ keyReads: 0, secretReads: 0, otherDynamo: 0, invokes: 0 });
    expect(refusedCount()).toBe(6);
  });

  it(`${FLOOD} calls signed with a wrong key: one key read for the container, no other read, no invoke, ${FLOOD} refusals counted`, async () => {
    for (let i = 0; i < FLOOD; i++) {
      const ts = String(now());
      const answer = await call({ 'x-backupmx-timestamp': ts, 'x-backupmx-signature': triggerSignature(`guess-${i}-of-the-key`, 'main', ts) });
      expect(answer.statusCode).toBe(401);
    }
    expect(awsCalls()).toEqual({ keyReads: 1, secretReads: 0, otherDynamo: 0, invokes: 0 });
    expect(refusedCount()).toBe(FLOOD);
    // One EMF record per refusal, with the reason as a field (not a dimension) and no route dimension; the stack (TriggerRefused alarm) is one.
    const record = lines.map((l) => JSON.parse(l) as { _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] }; why?: string; stack?: string }).find((r) => r.why !== undefined)!;
    expect(record.why).toBe('signature');
    expect(record._aws.CloudWatchMetrics[0]!.Dimensions.map((set) => [...set].sort())).toEqual([['service', 'stack']]);
    expect(record.stack).toBe('BackupMx');
  });
});
