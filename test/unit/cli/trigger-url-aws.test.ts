// trigger-url on the deployed stack: the URL and key come from the stack's
// outputs; a stack deployed before the trigger existed says so.
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../../cli/cli-io.js';
import { main } from '../../../cli/main.js';
import { cfn, env, lambda, mockDeployedStack } from './deployed-stack-mock.js';

const URL = 'https://abc123.lambda-url.eu-west-1.on.aws/';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:TriggerKey-AbCdEf';

beforeEach(() => mockDeployedStack());
afterEach(() => {
  cfn.reset();
  lambda.reset();
});

function withTriggerOutputs(): void {
  cfn.on(DescribeStacksCommand, { StackName: 'BackupMx' }).resolves({
    Stacks: [{ StackName: 'BackupMx', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), Outputs: [{ OutputKey: 'TriggerUrl', OutputValue: URL }, { OutputKey: 'TriggerSecretArn', OutputValue: SECRET }] }],
  });
}

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

  it('a stack without the trigger output fails with the fix (exit 1); an unknown route is a usage error (exit 2)', async () => {
    const io = new RecordingIo();
    expect(await main(['--region', 'eu-west-1', 'trigger-url'], { io, env })).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/no TriggerUrl output: deploy this version/);
    withTriggerOutputs();
    const unknown = new RecordingIo();
    expect(await main(['--region', 'eu-west-1', 'trigger-url', 'nope'], { io: unknown, env })).toBe(2);
  });
});
