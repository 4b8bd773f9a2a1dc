// The deployed-stack side of the CLI with aws-sdk-client-mock: finding the
// stack, reading the drain's settings, flushing by a synchronous invoke, and
// the errors an operator meets (no stack, no credentials, a failing drain).
import { DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awsTarget } from '../../../cli/aws-target.js';
import { readCliEnv } from '../../../cli/cli-env.js';
import { RecordingIo } from '../../../cli/cli-io.js';
import { main } from '../../../cli/main.js';
import { cfn, DRAIN, env, lambda, mockDeployedStack, RECIPIENT_PUSH } from '../../support/cli/deployed-stack-mock.js';

beforeEach(() => mockDeployedStack());
afterEach(() => {
  cfn.reset();
  lambda.reset();
});

describe('the deployed stack as target', () => {
  it('finds the stack by name and takes the engine settings from the drain function', async () => {
    const target = await awsTarget({ region: 'eu-west-1' }, () => {}, readCliEnv(env));
    try {
      expect(target).toMatchObject({ kind: 'aws', label: 'stack BackupMx in eu-west-1', region: 'eu-west-1' });
      expect(target.stack).toEqual({
        stackName: 'BackupMx',
        drainFunctionName: DRAIN,
        ruleSetName: 'backup-mx',
        alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:BackupMx-Alarms',
        triggerFunctionName: 'BackupMx-Trigger',
        // Found among the resources by the logical id CDK gives it (doctor checks its reserved concurrency).
        recipientPushFunctionName: RECIPIENT_PUSH,
      });
      expect(target.settings.routes[0]).toMatchObject({ name: 'main', primary: { host: 'mail.example.com', port: 587, tls: 'required' } });
      expect(target.settings).toMatchObject({ tableName: 'BackupMx-State', hostname: 'backup-mx.example.com', drainFunctionName: DRAIN });
      expect(cfn.commandCalls(ListStackResourcesCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page-2']);
    } finally {
      target.close();
    }
  });

  it('flush invokes the drain synchronously per route and prints its summary', async () => {
    const summary = { route: 'main', mode: 'deliver', messages: 3, delivered: 4, deferred: 1, bounced: 0, deadLettered: 0, expired: 0, reenqueued: 0, released: 0, errors: 0, stoppedBecause: 'queue-empty' };
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(summary)) as never });
    const io = new RecordingIo();
    expect(await main(['--region', 'eu-west-1', 'flush'], { io, env })).toBe(0);
    const input = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ FunctionName: DRAIN, InvocationType: 'RequestResponse' });
    expect(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array))).toEqual({ route: 'main', mode: 'deliver' });
    expect(io.text).toContain('flush main: 3 messages, 4 delivered, 1 deferred, 0 bounced, 0 dead-lettered, 0 expired (stopped: queue-empty)');
  });

  it('reports a drain that failed in Lambda, with exit code 1', async () => {
    const error = { errorType: 'SettingsError', errorMessage: 'BACKUPMX_ROUTES: not valid JSON' };
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: new TextEncoder().encode(JSON.stringify(error)) as never });
    const io = new RecordingIo();
    expect(await main(['--region', 'eu-west-1', 'flush', 'main'], { io, env })).toBe(1);
    expect(io.stderr.join('\n')).toContain(`the drain of route main failed in ${DRAIN}: SettingsError: BACKUPMX_ROUTES: not valid JSON`);
  });

  it('says so when there is no such stack (exit 4)', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'Nope' }).rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    const io = new RecordingIo();
    expect(await main(['--region', 'eu-west-1', '--stack', 'Nope', 'status'], { io, env })).toBe(4);
    expect(io.stderr.join('\n')).toContain('no stack named Nope in eu-west-1');
  });

  it('says so when there are no credentials (exit 5)', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const io = new RecordingIo();
    expect(await main(['--region', 'eu-west-1', 'mailq'], { io, env })).toBe(5);
    expect(io.stderr.join('\n')).toMatch(/no usable AWS credentials .* or use --local/);
  });

  it('refuses a stack that has no drain function (not a backup-mx stack)', async () => {
    cfn.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [] });
    const io = new RecordingIo();
    expect(await main(['--region', 'eu-west-1', 'status'], { io, env })).toBe(4);
    expect(io.stderr.join('\n')).toContain('has no drain function');
  });
});
