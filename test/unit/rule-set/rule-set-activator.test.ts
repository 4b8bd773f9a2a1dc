import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DescribeActiveReceiptRuleSetCommand,
  DescribeReceiptRuleSetCommand,
  RuleSetDoesNotExistException,
  SESClient,
  SetActiveReceiptRuleSetCommand,
} from '@aws-sdk/client-ses';
import { CloudFormationClient, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import {
  RuleSetActivator,
  RuleSetConflictError,
  decodePhysicalId,
  type ActivationMode,
  type RuleSetEvent,
} from '../../../lambdas/adapters/aws/rule-set/rule-set-activator.js';

const ses = mockClient(SESClient);
const cfn = mockClient(CloudFormationClient);
const activator = () => new RuleSetActivator(new SESClient({}), new CloudFormationClient({}));

function event(
  type: RuleSetEvent['RequestType'],
  mode: ActivationMode = 'if-none-active',
  extra: Partial<RuleSetEvent> = {},
): RuleSetEvent {
  return {
    RequestType: type,
    StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/BackupMx/abc',
    LogicalResourceId: 'RuleSetActivation',
    ResourceProperties: { RuleSetName: 'backup-mx', Activation: mode },
    ...extra,
  };
}

const activeIs = (name?: string) =>
  ses.on(DescribeActiveReceiptRuleSetCommand).resolves(name ? { Metadata: { Name: name } } : {});
const activations = () => ses.commandCalls(SetActiveReceiptRuleSetCommand).map((c) => c.args[0].input.RuleSetName ?? null);

beforeEach(() => {
  ses.reset();
  cfn.reset();
  ses.on(SetActiveReceiptRuleSetCommand).resolves({});
});

describe('create / update', () => {
  it('activates our set when none is active', async () => {
    activeIs(undefined);
    const out = await activator().handle(event('Create'));
    expect(activations()).toEqual(['backup-mx']);
    expect(out).toEqual({ PhysicalResourceId: 'backup-mx', Data: { ActiveRuleSet: 'backup-mx', PreviousActiveRuleSet: '' } });
  });

  it('does nothing when ours is already active', async () => {
    activeIs('backup-mx');
    const out = await activator().handle(event('Update', 'if-none-active', { PhysicalResourceId: 'backup-mx/restores/team' }));
    expect(activations()).toEqual([]);
    expect(out.PhysicalResourceId).toBe('backup-mx/restores/team'); // the set to restore is kept
  });

  it('refuses to replace another active set in if-none-active mode, naming it and the options', async () => {
    activeIs('team-rules');
    const run = activator().handle(event('Create'));
    await expect(run).rejects.toBeInstanceOf(RuleSetConflictError);
    await expect(run).rejects.toThrow(/"team-rules" is active.*"replace".*"never"/s);
    expect(activations()).toEqual([]);
  });

  it('replaces another active set in replace mode and remembers it', async () => {
    activeIs('team-rules');
    const out = await activator().handle(event('Create', 'replace'));
    expect(activations()).toEqual(['backup-mx']);
    expect(out.Data.PreviousActiveRuleSet).toBe('team-rules');
    expect(decodePhysicalId(out.PhysicalResourceId)).toEqual({ ours: 'backup-mx', previous: 'team-rules' });
  });

  it('leaves activation to the user in never mode', async () => {
    activeIs(undefined);
    const out = await activator().handle(event('Create', 'never'));
    expect(activations()).toEqual([]);
    expect(out.PhysicalResourceId).toBe('backup-mx');
  });

  it('treats our old set as ours after a rename and carries the set to restore over', async () => {
    activeIs('old-name');
    const out = await activator().handle(
      event('Update', 'if-none-active', {
        PhysicalResourceId: 'old-name/restores/team',
        OldResourceProperties: { RuleSetName: 'old-name', Activation: 'if-none-active' },
      }),
    );
    expect(activations()).toEqual(['backup-mx']);
    expect(out.PhysicalResourceId).toBe('backup-mx/restores/team');
  });
});

describe('delete', () => {
  it('deactivates our set when it is the active one', async () => {
    activeIs('backup-mx');
    cfn.on(DescribeStackResourceCommand).resolves({ StackResourceDetail: { PhysicalResourceId: 'backup-mx' } as never });
    await activator().handle(event('Delete', 'if-none-active', { PhysicalResourceId: 'backup-mx' }));
    expect(activations()).toEqual([null]);
  });

  it('restores the set it replaced, if that set still exists', async () => {
    activeIs('backup-mx');
    ses.on(DescribeReceiptRuleSetCommand).resolves({});
    cfn.on(DescribeStackResourceCommand).rejects(new Error('stack is being deleted'));
    const out = await activator().handle(event('Delete', 'replace', { PhysicalResourceId: 'backup-mx/restores/team' }));
    expect(activations()).toEqual(['team']);
    expect(out.Data.ActiveRuleSet).toBe('team');
  });

  it('deactivates instead when the replaced set is gone', async () => {
    activeIs('backup-mx');
    ses
      .on(DescribeReceiptRuleSetCommand)
      .rejects(new RuleSetDoesNotExistException({ message: 'gone', $metadata: {} }));
    await activator().handle(event('Delete', 'replace', { PhysicalResourceId: 'backup-mx/restores/team' }));
    expect(activations()).toEqual([null]);
  });

  it('does nothing when another set is active', async () => {
    activeIs('team-rules');
    await activator().handle(event('Delete', 'if-none-active', { PhysicalResourceId: 'backup-mx' }));
    expect(activations()).toEqual([]);
  });

  it('does nothing when no set is active', async () => {
    activeIs(undefined);
    await activator().handle(event('Delete', 'never', { PhysicalResourceId: 'backup-mx' }));
    expect(activations()).toEqual([]);
  });

  it('does nothing for the cleanup delete of a replaced physical id', async () => {
    activeIs('backup-mx');
    cfn
      .on(DescribeStackResourceCommand)
      .resolves({ StackResourceDetail: { PhysicalResourceId: 'backup-mx/restores/team' } as never });
    await activator().handle(event('Delete', 'replace', { PhysicalResourceId: 'backup-mx' }));
    expect(activations()).toEqual([]);
  });
});
