// recipients push-command on the deployed stack: the URL is the
// RecipientPushUrl output (a stack with no synced route has none and says
// what to do), the printed command signs with the route's own key file for
// the URL's host, and
// stderr derives that key from the table's recipient push key (never the
// trigger's, which every primary calling the trigger holds), made when the
// stack has none yet, whether or not the trigger's key is a named secret.
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../../../cli/cli-io.js';
import { main } from '../../../../cli/main.js';
import { RECIPIENT_PUSH_KEY_ITEM } from '../../../../lambdas/adapters/aws/dynamo-push-key.js';
import { cfn, env, lambda, mockDeployedStack } from '../../../support/cli/deployed-stack-mock.js';

const PUSH_URL = 'https://push123.lambda-url.eu-west-1.on.aws/';
const doc = mockClient(DynamoDBDocumentClient);
beforeEach(() => mockDeployedStack());
afterEach(() => {
  cfn.reset();
  lambda.reset();
  doc.reset();
});

function withOutputs(push: boolean, triggerSecret = false): void {
  cfn.on(DescribeStacksCommand, { StackName: 'BackupMx' }).resolves({
    Stacks: [{ StackName: 'BackupMx', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), Outputs: [{ OutputKey: 'TriggerUrl', OutputValue: 'https://t.lambda-url.eu-west-1.on.aws/' }, ...(triggerSecret ? [{ OutputKey: 'TriggerSecretArn', OutputValue: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:trigger-AbCdEf' }] : []), ...(push ? [{ OutputKey: 'RecipientPushUrl', OutputValue: PUSH_URL }] : [])] }],
  });
}

describe('recipients push-command on the deployed stack', () => {
  it('prints the signed push for the route, and on stderr how to derive its key from the table\'s push key (made now), never the trigger key', async () => {
    withOutputs(true);
    doc.on(GetCommand).resolves({});
    doc.on(PutCommand).resolves({});
    const io = new RecordingIo();
    expect(await main(['--region', 'eu-west-1', 'recipients', 'push-command', 'main'], { io, env })).toBe(0);
    expect(io.stdout).toHaveLength(1);
    expect(io.stdout[0]).toContain(`'${PUSH_URL}main/recipients'`);
    expect(io.stdout[0]).toContain(`"$(cat '/etc/backup-mx/recipients-main.key')"`);
    expect(io.stdout[0]).toContain('--data-binary @"$f"');
    // The function URL's host is signed (the function checks it against its own domain).
    expect(io.stdout[0]).toContain(`printf 'POST\\n%s\\n/%s/recipients\\nforce=0\\n%s\\n%s' 'push123.lambda-url.eu-west-1.on.aws' 'main'`);
    const err = io.stderr.join('\n');
    expect(err).toMatch(/a new recipient push key was created in the state table \(pushkey#recipients\)/);
    expect(err).toContain(`aws dynamodb get-item --table-name`);
    expect(err).toContain(`--key '{"pk":{"S":"pushkey#recipients"},"sk":{"S":"hmac"}}'`);
    expect(err).not.toMatch(/trigger#key/);
    expect(err).toContain(`> '/etc/backup-mx/recipients-main.key' && chmod 600`);
    expect(doc.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.pk)).toEqual([RECIPIENT_PUSH_KEY_ITEM.pk]);
    // Only the push key item was read: never trigger#key.
    expect(new Set(doc.commandCalls(GetCommand).map((c) => c.args[0].input.Key?.pk))).toEqual(new Set([RECIPIENT_PUSH_KEY_ITEM.pk]));
  });

  it('with the trigger key in Secrets Manager (trigger.keySecretName), the push key is still the table\'s; an existing one is kept', async () => {
    withOutputs(true, true);
    doc.on(GetCommand).resolves({ Item: { ...RECIPIENT_PUSH_KEY_ITEM, key: 'p'.repeat(64) } });
    const io = new RecordingIo();
    expect(await main(['--region', 'eu-west-1', 'recipients', 'push-command', 'main'], { io, env })).toBe(0);
    const err = io.stderr.join('\n');
    expect(err).not.toMatch(/secretsmanager|a new recipient push key/);
    expect(err).toContain(`"pk":{"S":"pushkey#recipients"}`);
    expect(doc.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('a stack without a synced route has no push URL: says to set recipientSync and deploy, exit 1', async () => {
    withOutputs(false);
    const io = new RecordingIo();
    expect(await main(['--region', 'eu-west-1', 'recipients', 'push-command', 'main'], { io, env })).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/no RecipientPushUrl output: set recipientSync on a route and deploy/);
  });
});
