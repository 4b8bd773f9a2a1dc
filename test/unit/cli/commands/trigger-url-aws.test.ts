// trigger-url on the deployed stack: the URL comes from the stack's outputs,
// the key from the state table (created on the first run, or imported from
// the key the primary holds) or, with trigger.keySecretName, from the secret
// the TriggerSecretArn output names; a stack deployed before the trigger
// existed says so.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { TRIGGER_KEY_ITEM } from '../../../../lambdas/adapters/aws/dynamo-trigger-key.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../../../cli/cli-io.js';
import { main } from '../../../../cli/main.js';
import { cfn, env, lambda, mockDeployedStack } from '../../../support/cli/deployed-stack-mock.js';

const URL = 'https://abc123.lambda-url.eu-west-1.on.aws/';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:TriggerKey-AbCdEf';

const doc = mockClient(DynamoDBDocumentClient);
beforeEach(() => mockDeployedStack());
afterEach(() => {
  cfn.reset();
  lambda.reset();
  doc.reset();
});

function withTriggerOutputs(secret = true): void {
  cfn.on(DescribeStacksCommand, { StackName: 'BackupMx' }).resolves({
    Stacks: [
      {
        StackName: 'BackupMx',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(),
        Outputs: [{ OutputKey: 'TriggerUrl', OutputValue: URL }, ...(secret ? [{ OutputKey: 'TriggerSecretArn', OutputValue: SECRET }] : [])],
      },
    ],
  });
}

const keyPuts = () => doc.commandCalls(PutCommand).map((c) => c.args[0].input);

describe('trigger-url on the deployed stack', () => {
  it('prints the signed curl command per route, and how to fetch the key on stderr', async () => {
    withTriggerOutputs();
    const io = new RecordingIo();
    expect(await main(['--region', 'eu-west-1', 'trigger-url'], { io, env })).toBe(0);
    expect(io.stdout).toHaveLength(1);
    expect(io.stdout[0]).toContain(`'https://abc123.lambda-url.eu-west-1.on.aws/main'`);
    expect(io.stdout[0]).toContain(`"$(cat '/etc/backup-mx/trigger.key')"`);
    expect(io.stderr.join('\n')).toContain(`aws secretsmanager get-secret-value --secret-id ${SECRET} --query SecretString --output text > /etc/backup-mx/trigger.key`);

    const json = new RecordingIo();
    expect(await main(['--region', 'eu-west-1', 'trigger-url', 'main', '--key-file', '/root/k', '--json'], { io: json, env })).toBe(0);
    expect(json.json()).toMatchObject({ secretId: SECRET, routes: [{ route: 'main', url: `${URL}main`, keyFile: '/root/k' }] });
  });

  it('the key in the state table: the first run creates it (saying a primary of an earlier version holds another), the command to copy it goes to stderr', async () => {
    withTriggerOutputs(false);
    doc.on(GetCommand).resolves({});
    doc.on(PutCommand).resolves({});
    const io = new RecordingIo();
    expect(await main(['--region', 'eu-west-1', 'trigger-url'], { io, env })).toBe(0);
    expect(keyPuts()).toHaveLength(1);
    expect(keyPuts()[0]).toMatchObject({ TableName: 'BackupMx-State', Item: { ...TRIGGER_KEY_ITEM, key: expect.stringMatching(/^[0-9a-f]{64}$/) }, ConditionExpression: 'attribute_not_exists(#pk)' });
    const err = io.stderr.join('\n');
    expect(err).toMatch(/a new trigger key was created/);
    expect(err).toMatch(/--import-key/);
    expect(err).toContain(`aws dynamodb get-item --table-name BackupMx-State --key '{"pk":{"S":"trigger#key"},"sk":{"S":"hmac"}}' --query Item.key.S --output text > /etc/backup-mx/trigger.key`);
    // The key itself is never printed.
    expect([...io.stdout, ...io.stderr].join('\n')).not.toContain(String(keyPuts()[0]!.Item!.key));
  });

  it('a key already there is kept (no write, no "created" note)', async () => {
    withTriggerOutputs(false);
    doc.on(GetCommand).resolves({ Item: { ...TRIGGER_KEY_ITEM, key: 'a'.repeat(64) } });
    const io = new RecordingIo();
    expect(await main(['--region', 'eu-west-1', 'trigger-url'], { io, env })).toBe(0);
    expect(keyPuts()).toEqual([]);
    expect(io.stderr.join('\n')).not.toMatch(/created/);
  });

  it('--import-key stores the key the primary holds (an earlier version\'s secret), and refuses to replace another', async () => {
    withTriggerOutputs(false);
    const file = join(mkdtempSync(join(tmpdir(), 'bmx-key-')), 'old.key');
    writeFileSync(file, `${'b'.repeat(64)}\n`);
    doc.on(PutCommand).resolves({});
    const io = new RecordingIo();
    expect(await main(['--region', 'eu-west-1', 'trigger-url', '--import-key', file], { io, env })).toBe(0);
    expect(keyPuts()[0]).toMatchObject({ Item: { ...TRIGGER_KEY_ITEM, key: 'b'.repeat(64) } });
    expect(io.stderr.join('\n')).toMatch(/now the stack's trigger key/);

    doc.reset();
    doc.on(PutCommand).rejects(Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' }));
    doc.on(GetCommand).resolves({ Item: { ...TRIGGER_KEY_ITEM, key: 'c'.repeat(64) } });
    const refused = new RecordingIo();
    expect(await main(['--region', 'eu-west-1', 'trigger-url', '--import-key', file], { io: refused, env })).toBe(1);
    expect(refused.stderr.join('\n')).toMatch(/already has another trigger key/);
  });

  it('a stack without the trigger output fails with the fix (exit 1); an unknown route is a usage error (exit 2)', async () => {
    const io = new RecordingIo();
    expect(await main(['--region', 'eu-west-1', 'trigger-url'], { io, env })).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/no TriggerUrl output: deploy this version/);
    withTriggerOutputs();
    const unknown = new RecordingIo();
    expect(await main(['--region', 'eu-west-1', 'trigger-url', 'nope'], { io: unknown, env })).toBe(2);
  });
});
