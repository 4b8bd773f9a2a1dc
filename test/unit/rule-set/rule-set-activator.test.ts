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
import { CONTROL_PLANE_MAX_ATTEMPTS, controlPlaneClients } from '../../../lambdas/handlers/activate-rule-set.js';

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
    expect(out).toEqual({ PhysicalResourceId: 'backup-mx', Data: { ActiveRuleSet: 'backup-mx', PreviousActiveRuleSet: '', Status: 'backup-mx is active' } });
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

describe('update while another set is active (if-none-active)', () => {
  const warnings: string[] = [];
  const quietActivator = () =>
    new RuleSetActivator(new SESClient({}), new CloudFormationClient({}), { warn: (m: string) => warnings.push(m) });
  beforeEach(() => {
    warnings.length = 0;
  });

  it('keeps things as they are and reports it, instead of failing the update', async () => {
    activeIs('team-rules');
    const out = await quietActivator().handle(
      event('Update', 'if-none-active', {
        PhysicalResourceId: 'backup-mx',
        OldResourceProperties: { RuleSetName: 'backup-mx', Activation: 'never' },
      }),
    );
    expect(activations()).toEqual([]); // never replaces the other set
    expect(out.PhysicalResourceId).toBe('backup-mx');
    expect(out.Data).toMatchObject({ ActiveRuleSet: 'team-rules', PreviousActiveRuleSet: '' });
    expect(out.Data.Warning).toMatch(/"team-rules" is active.*"backup-mx" was not activated/s);
    // Visible as the stack output ReceiptRuleSetStatus, not only in a log.
    expect(out.Data.Status).toMatch(/^NOT ACTIVE: SES receipt rule set "team-rules" is active/);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('team-rules');
  });

  it('lets a rollback (old properties back, same id) succeed, so the stack never ends in UPDATE_ROLLBACK_FAILED', async () => {
    activeIs('team-rules');
    // Rollback of a failed update: CloudFormation sends the old properties as the new ones.
    const out = await quietActivator().handle(
      event('Update', 'if-none-active', {
        PhysicalResourceId: 'backup-mx/restores/earlier',
        OldResourceProperties: { RuleSetName: 'backup-mx', Activation: 'replace' },
      }),
    );
    expect(activations()).toEqual([]);
    expect(out.PhysicalResourceId).toBe('backup-mx/restores/earlier'); // the set to restore is not forgotten
    expect(out.Data.ActiveRuleSet).toBe('team-rules');
    expect(warnings).toHaveLength(1);
  });

  it('still refuses on create', async () => {
    activeIs('team-rules');
    await expect(quietActivator().handle(event('Create'))).rejects.toBeInstanceOf(RuleSetConflictError);
    expect(warnings).toEqual([]);
  });

  it('still replaces on update in replace mode', async () => {
    activeIs('team-rules');
    const out = await quietActivator().handle(
      event('Update', 'replace', {
        PhysicalResourceId: 'backup-mx',
        OldResourceProperties: { RuleSetName: 'backup-mx', Activation: 'if-none-active' },
      }),
    );
    expect(activations()).toEqual(['backup-mx']);
    expect(decodePhysicalId(out.PhysicalResourceId)).toEqual({ ours: 'backup-mx', previous: 'team-rules' });
    expect(warnings).toEqual([]);
  });

  it('does not warn when ours is active or the mode is never', async () => {
    activeIs('team-rules');
    const never = await quietActivator().handle(event('Update', 'never', { PhysicalResourceId: 'backup-mx' }));
    expect(never.Data.Warning).toBeUndefined();
    activeIs('backup-mx');
    await quietActivator().handle(event('Update', 'if-none-active', { PhysicalResourceId: 'backup-mx' }));
    expect(warnings).toEqual([]);
    expect(activations()).toEqual([]);
  });
});

describe('SES control-plane clients', () => {
  it('retry more than the SDK default 3 attempts (SES allows about one rule call per second)', async () => {
    const { ses: client, cloudFormation } = controlPlaneClients();
    expect(CONTROL_PLANE_MAX_ATTEMPTS).toBeGreaterThanOrEqual(8);
    expect(await client.config.maxAttempts()).toBe(CONTROL_PLANE_MAX_ATTEMPTS);
    expect(await cloudFormation.config.maxAttempts()).toBe(CONTROL_PLANE_MAX_ATTEMPTS);
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
    cfn.on(DescribeStackResourceCommand).resolves({ StackResourceDetail: { PhysicalResourceId: 'backup-mx/restores/team' } as never });
    const out = await activator().handle(event('Delete', 'replace', { PhysicalResourceId: 'backup-mx/restores/team' }));
    expect(activations()).toEqual(['team']);
    expect(out.Data.ActiveRuleSet).toBe('team');
  });

  it('deactivates instead when the replaced set is gone', async () => {
    activeIs('backup-mx');
    ses
      .on(DescribeReceiptRuleSetCommand)
      .rejects(new RuleSetDoesNotExistException({ message: 'gone', $metadata: {} }));
    cfn.on(DescribeStackResourceCommand).resolves({ StackResourceDetail: { PhysicalResourceId: 'backup-mx/restores/team' } as never });
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

  it('never deactivates (nor restores) when CloudFormation cannot say whose delete it is, and says so', async () => {
    activeIs('backup-mx');
    ses.on(DescribeReceiptRuleSetCommand).resolves({});
    cfn.on(DescribeStackResourceCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    const warnings: string[] = [];
    const out = await new RuleSetActivator(new SESClient({}), new CloudFormationClient({}), { warn: (m) => warnings.push(m) }).handle(
      event('Delete', 'replace', { PhysicalResourceId: 'backup-mx/restores/team' }),
    );
    expect(activations()).toEqual([]);
    expect(out.Data.ActiveRuleSet).toBe('backup-mx');
    expect(warnings.join()).toMatch(/could not tell.*stays active.*re-activate "team"/);
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
