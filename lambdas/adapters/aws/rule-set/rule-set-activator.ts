// Decides when our SES receipt rule set becomes the active one, and puts
// things back on delete. Only one set can be active per account and region,
// so another team's active set is never replaced silently (invariant 7).
//
// The physical id remembers which set we replaced: `<ours>` or
// `<ours>/restores/<previous>`. CloudFormation hands the id back on Delete,
// which is the only state a custom resource gets for free.
//
// A delete deactivates only when it knows it is the stack's own delete: when
// CloudFormation cannot say (throttled), the set stays active and the log says
// so, since deactivating stops all receiving in the region.
//
// A conflict fails only a Create. An Update cannot tell a user's change from
// CloudFormation's rollback, and a rollback that fails leaves the stack in
// UPDATE_ROLLBACK_FAILED, so an Update keeps things as they are and warns.
import {
  DescribeActiveReceiptRuleSetCommand,
  DescribeReceiptRuleSetCommand,
  SetActiveReceiptRuleSetCommand,
  type SESClient,
} from '@aws-sdk/client-ses';
import { DescribeStackResourceCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';

export type ActivationMode = 'if-none-active' | 'replace' | 'never';

export interface RuleSetProperties {
  RuleSetName: string;
  Activation: ActivationMode;
}

/** The parts of a CloudFormation custom resource event this module reads. */
export interface RuleSetEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  StackId: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceProperties: RuleSetProperties;
  OldResourceProperties?: RuleSetProperties;
}

export interface RuleSetResult {
  PhysicalResourceId: string;
  /**
   * Warning is present only when our set was left inactive because another one is active.
   * Status is always there (the stack shows it as an output, so a conflict is visible after deploy).
   */
  Data: { ActiveRuleSet: string; PreviousActiveRuleSet: string; Warning?: string; Status: string };
}

export interface ActivatorLog {
  warn(message: string): void;
}

export class RuleSetConflictError extends Error {
  constructor(activeSet: string, ours: string) {
    super(
      `SES receipt rule set "${activeSet}" is active in this region, and only one set can be active. ` +
        `backup-mx will not replace it silently. Either set backupMx.ruleSet.activation to "replace" ` +
        `(our set "${ours}" becomes active; "${activeSet}" is re-activated when this stack is deleted), ` +
        `or to "never" and merge the rules of "${ours}" into "${activeSet}" yourself.`,
    );
    this.name = 'RuleSetConflictError';
  }
}

const SEPARATOR = '/restores/';

export function encodePhysicalId(ours: string, previous?: string): string {
  return previous ? `${ours}${SEPARATOR}${previous}` : ours;
}

export function decodePhysicalId(id: string): { ours: string; previous?: string } {
  const at = id.indexOf(SEPARATOR);
  return at < 0 ? { ours: id } : { ours: id.slice(0, at), previous: id.slice(at + SEPARATOR.length) };
}

export class RuleSetActivator {
  constructor(
    private readonly ses: SESClient,
    private readonly cloudFormation: CloudFormationClient,
    private readonly log: ActivatorLog = console,
  ) {}

  async handle(event: RuleSetEvent): Promise<RuleSetResult> {
    return event.RequestType === 'Delete' ? this.onDelete(event) : this.onCreateOrUpdate(event);
  }

  private async onCreateOrUpdate(event: RuleSetEvent): Promise<RuleSetResult> {
    const { RuleSetName: ours, Activation: mode } = event.ResourceProperties;
    const earlier = event.PhysicalResourceId ? decodePhysicalId(event.PhysicalResourceId) : undefined;
    // After a rename, our old set is still "ours": replacing it is not replacing someone else's.
    const oldName = event.OldResourceProperties?.RuleSetName;
    const active = await this.activeRuleSet();
    const keep = (previous?: string): RuleSetResult => result(encodePhysicalId(ours, previous), active ?? '', previous);

    if (active === ours) return keep(earlier?.previous);
    if (mode === 'never') return keep(earlier?.previous);
    if (active === undefined) {
      await this.activate(ours);
      return result(encodePhysicalId(ours), ours);
    }
    if (active === oldName) {
      await this.activate(ours);
      return result(encodePhysicalId(ours, earlier?.previous), ours, earlier?.previous);
    }
    if (mode === 'replace') {
      await this.activate(ours);
      return result(encodePhysicalId(ours, active), ours, active);
    }
    if (event.RequestType === 'Create') throw new RuleSetConflictError(active, ours);
    const warning =
      `SES receipt rule set "${active}" is active, so "${ours}" was not activated and this update changed nothing ` +
      `about activation. backup-mx receives no mail until "${ours}" is active: set backupMx.ruleSet.activation ` +
      `to "replace", or merge its rules into "${active}".`;
    this.log.warn(warning);
    const kept = keep(earlier?.previous);
    return { ...kept, Data: { ...kept.Data, Warning: warning, Status: `NOT ACTIVE: ${warning}` } };
  }

  private async onDelete(event: RuleSetEvent): Promise<RuleSetResult> {
    const id = event.PhysicalResourceId ?? event.ResourceProperties.RuleSetName;
    const { ours, previous } = decodePhysicalId(id);
    const active = await this.activeRuleSet();
    const unchanged = result(id, active ?? '', previous);
    if (active !== ours) return unchanged; // someone else's set is active now: leave it
    const cleanup = await this.isReplacementCleanup(event, id);
    if (cleanup === 'replacement') return unchanged; // the new resource owns activation
    if (cleanup === 'unknown') {
      // Deactivating stops all receiving in the region: never on a guess.
      this.log.warn(
        `could not tell whether this delete of "${id}" is the stack's or an update's cleanup; "${ours}" stays active. ` +
          `If the stack is gone, deactivate it yourself: aws ses set-active-receipt-rule-set (no name)${previous ? `, or re-activate "${previous}"` : ''}.`,
      );
      return unchanged;
    }
    if (previous && (await this.exists(previous))) {
      await this.activate(previous);
      return result(id, previous, previous);
    }
    await this.ses.send(new SetActiveReceiptRuleSetCommand({})); // no name: deactivate
    return result(id, '', previous);
  }

  /**
   * CloudFormation deletes the old physical resource after an update that
   * changed the id. That delete must not deactivate the set the new resource
   * just activated, so compare with the id the stack holds now.
   */
  private async isReplacementCleanup(event: RuleSetEvent, id: string): Promise<'replacement' | 'real' | 'unknown'> {
    try {
      const out = await this.cloudFormation.send(
        new DescribeStackResourceCommand({ StackName: event.StackId, LogicalResourceId: event.LogicalResourceId }),
      );
      const current = out.StackResourceDetail?.PhysicalResourceId;
      if (current === undefined) return 'unknown';
      return current !== id ? 'replacement' : 'real';
    } catch {
      return 'unknown'; // throttled, or no answer: the caller leaves activation alone
    }
  }

  private async activeRuleSet(): Promise<string | undefined> {
    const out = await this.ses.send(new DescribeActiveReceiptRuleSetCommand({}));
    return out.Metadata?.Name || undefined;
  }

  private async exists(name: string): Promise<boolean> {
    try {
      await this.ses.send(new DescribeReceiptRuleSetCommand({ RuleSetName: name }));
      return true;
    } catch (error) {
      if ((error as Error).name === 'RuleSetDoesNotExistException') return false;
      throw error;
    }
  }

  private async activate(name: string): Promise<void> {
    await this.ses.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: name }));
  }
}

function result(id: string, active: string, previous?: string): RuleSetResult {
  const ours = decodePhysicalId(id).ours;
  const status = active === ours ? `${ours} is active` : `${ours} is not active${active ? ` (${active} is)` : ' (no set is active)'}`;
  return { PhysicalResourceId: id, Data: { ActiveRuleSet: active, PreviousActiveRuleSet: previous ?? '', Status: status } };
}
