// recipients push-command on the deployed stack: the URL is the
// RecipientPushUrl output (a stack with no synced route has none and says
// what to do), the printed command signs with the route's own key file for
// the URL's host, and
// stderr derives that key from the table's trigger key, which is made when the
// stack has none yet.
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../../../cli/cli-io.js';
import { main } from '../../../../cli/main.js';
import { TRIGGER_KEY_ITEM } from '../../../../lambdas/adapters/aws/dynamo-trigger-key.js';
import { cfn, env, lambda, mockDeployedStack } from '../../../support/cli/deployed-stack-mock.js';

const PUSH_URL = 'https://push123.lambda-url.eu-west-1.on.aws/';
const doc = mockClient(DynamoDBDocumentClient);
beforeEach(() => mockDeployedStack());
afterEach(() => {
  cfn.reset();
  lambda.reset();
  doc.reset();
});

function withOutputs(push: boolean): void {
  cfn.on(DescribeStacksCommand, { StackName: 'BackupMx' }).resolves({
    Stacks: [{ StackName: 'BackupMx', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), Outputs: [{ OutputKey: 'TriggerUrl', OutputValue: 'https://t.lambda-url.eu-west-1.on.aws/' }, ...(push ? [{ OutputKey: 'RecipientPushUrl', OutputValue: PUSH_URL }] : [])] }],
  });
}

describe('recipients push-command on the deployed stack', () => {
  it('prints the signed push for the route, and on stderr how to derive its key from the table\'s trigger key (made now)', async () => {
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
    expect(err).toMatch(/a new trigger key was created/);
    expect(err).toContain(`aws dynamodb get-item --table-name`);
    expect(err).toContain(`> '/etc/backup-mx/recipients-main.key' && chmod 600`);
    expect(doc.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.pk)).toEqual([TRIGGER_KEY_ITEM.pk]);
  });

  it('a stack without a synced route has no push URL: says to set recipientSync and deploy, exit 1', async () => {
    withOutputs(false);
    const io = new RecordingIo();
    expect(await main(['--region', 'eu-west-1', 'recipients', 'push-command', 'main'], { io, env })).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/no RecipientPushUrl output: set recipientSync on a route and deploy/);
  });
});
