// Writes a synced route's receipt rules into our rule set from its stored
// list, outside CloudFormation: `sync-<route>-<n>`, a name no rule of the
// template has (those are `route-…` and `canary`), so a deploy never touches
// them. Each rule copies the actions, scan and TLS policy of the route's
// disabled template rule (CloudFormation's), so a deploy that changes the
// bucket, the topic or the TLS policy changes what the rules do once the
// deploy's custom resource writes them again.
//
// Where addresses go is core's plan (core/recipients/rule-placement.ts), made
// from the rules SES holds now: an address that stays keeps its rule, new ones
// fill free room, and every write that gains an address comes before any that
// loses one, so an address that stays is never unmatched, even when this
// writer stops mid-way (the next run plans from what it left). This file only
// executes the plan, then copies a changed template into the rules it did not
// write.
//
// SES allows about one control-plane call a second: calls are paced a second
// apart (and retried by the client, CONTROL_PLANE_MAX_ATTEMPTS), so a full
// 200-rule write takes about 200 s + 2 reads; an unchanged rule costs nothing,
// and one new address costs one update.
import {
  CreateReceiptRuleCommand,
  DeleteReceiptRuleCommand,
  DescribeReceiptRuleCommand,
  DescribeReceiptRuleSetCommand,
  UpdateReceiptRuleCommand,
  type ReceiptRule,
  type SESClient,
} from '@aws-sdk/client-ses';
import { MAX_RULE_RECIPIENTS, ruleRecipients, syncTemplateRuleName } from '../../../../lib/config/receipt-rule-chunks.js';
import { planRulePlacement } from '../../../core/recipients/rule-placement.js';
import type { RecipientRules, RuleApplyReport } from '../../../core/recipients/ports.js';

/** No rule of the template starts so: the synced rules' own names. */
export const SYNC_RULE_PREFIX = 'sync-';
/** SES's documented rate for receipt-rule calls: one a second. */
export const CONTROL_PLANE_INTERVAL_MS = 1_000;

export function syncRuleName(route: string, chunk: number): string {
  return `${SYNC_RULE_PREFIX}${route}-${chunk + 1}`;
}

/** The n of `sync-<route>-<n>` (1-based). */
function syncRuleIndex(name: string): number {
  return Number(name.slice(name.lastIndexOf('-') + 1));
}

/**
 * Rules the route may hold: what its deploy reserved (every address of its
 * budget plus every domain but one, 100 a rule), or what the list needs when
 * the route carries no budget.
 */
export function syncRuleBudget(route: { domains: string[]; maxAddresses?: number }, entries: number): number {
  const needed = Math.ceil(entries / MAX_RULE_RECIPIENTS);
  if (route.maxAddresses === undefined) return needed;
  return Math.max(needed, Math.ceil((route.maxAddresses + route.domains.length - 1) / MAX_RULE_RECIPIENTS));
}

/** The CloudFormation rule whose actions the synced rules copy (disabled, so it matches nothing). */
export function templateRuleName(route: string): string {
  return syncTemplateRuleName(route);
}

export class TemplateRuleMissingError extends Error {
  constructor(route: string, ruleSet: string) {
    super(`receipt rule "${templateRuleName(route)}" of set "${ruleSet}" is missing: it carries the actions route "${route}"'s synced rules copy; deploy the stack (with recipientSync on the route) first; a stack deployed when the template was "route-${route}" needs one deploy of this version`);
    this.name = 'TemplateRuleMissingError';
  }
}

export interface SesRecipientRulesOptions {
  intervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export class SesRecipientRules implements RecipientRules {
  private lastCall = Number.NEGATIVE_INFINITY;
  private readonly intervalMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly ses: SESClient,
    private readonly ruleSetName: string,
    options: SesRecipientRulesOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? CONTROL_PLANE_INTERVAL_MS;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  async apply(route: { name: string; domains: string[]; maxAddresses?: number }, addresses: string[] | undefined): Promise<RuleApplyReport> {
    const template = await this.template(route.name);
    const existing = await this.syncedRules(route.name);
    const desired = ruleRecipients({ domains: route.domains, ...(addresses ? { recipients: addresses } : {}) });
    const current = [...existing.values()].map((rule) => ({ index: syncRuleIndex(rule.Name!), recipients: rule.Recipients ?? [] }));
    const plan = planRulePlacement(current, desired, { capacity: MAX_RULE_RECIPIENTS, budget: syncRuleBudget(route, desired.length) });
    const report: RuleApplyReport = { rules: plan.final.length, created: 0, updated: 0, deleted: 0 };
    const rule = (index: number, recipients: string[]): ReceiptRule => ({
      Name: syncRuleName(route.name, index - 1),
      Enabled: true,
      Recipients: recipients,
      Actions: template.Actions ?? [],
      ScanEnabled: template.ScanEnabled ?? true,
      TlsPolicy: template.TlsPolicy ?? 'Optional',
    });
    // New rules go after the route's last rule in the set (its template when it has none).
    let after = [...existing.keys()].at(-1) ?? templateRuleName(route.name);
    const written = new Set<number>();
    for (const step of plan.steps) {
      written.add(step.index);
      if (step.op === 'create') {
        const created = rule(step.index, step.recipients);
        await this.paced(() => this.ses.send(new CreateReceiptRuleCommand({ RuleSetName: this.ruleSetName, After: after, Rule: created })));
        after = created.Name!;
        report.created += 1;
      } else if (step.op === 'update') {
        await this.paced(() => this.ses.send(new UpdateReceiptRuleCommand({ RuleSetName: this.ruleSetName, Rule: rule(step.index, step.recipients) })));
        report.updated += 1;
      } else {
        await this.paced(() => this.ses.send(new DeleteReceiptRuleCommand({ RuleSetName: this.ruleSetName, RuleName: syncRuleName(route.name, step.index - 1) })));
        report.deleted += 1;
      }
    }
    // Recipients unchanged but the template's actions, scan or TLS policy changed (a deploy): no address moves.
    for (const { index, recipients } of plan.final) {
      if (written.has(index)) continue;
      const wanted = rule(index, [...recipients]);
      if (sameRule(existing.get(wanted.Name!)!, wanted)) continue;
      await this.paced(() => this.ses.send(new UpdateReceiptRuleCommand({ RuleSetName: this.ruleSetName, Rule: wanted })));
      report.updated += 1;
    }
    return report;
  }

  async count(route: string): Promise<number> {
    try {
      return (await this.syncedRules(route)).size;
    } catch (error) {
      if ((error as Error).name === 'RuleSetDoesNotExistException') return 0;
      throw error;
    }
  }

  async remove(route: string): Promise<number> {
    let existing: Map<string, ReceiptRule>;
    try {
      existing = await this.syncedRules(route);
    } catch (error) {
      if ((error as Error).name === 'RuleSetDoesNotExistException') return 0;
      throw error;
    }
    for (const name of existing.keys()) await this.paced(() => this.ses.send(new DeleteReceiptRuleCommand({ RuleSetName: this.ruleSetName, RuleName: name })));
    return existing.size;
  }

  private async template(route: string): Promise<ReceiptRule> {
    try {
      const out = await this.paced(() => this.ses.send(new DescribeReceiptRuleCommand({ RuleSetName: this.ruleSetName, RuleName: templateRuleName(route) })));
      if (!out.Rule) throw new TemplateRuleMissingError(route, this.ruleSetName);
      return out.Rule;
    } catch (error) {
      if ((error as Error).name === 'RuleDoesNotExistException') throw new TemplateRuleMissingError(route, this.ruleSetName);
      throw error;
    }
  }

  /** The route's synced rules now in the set, by name (`sync-<route>-<n>` only: never another route's). */
  private async syncedRules(route: string): Promise<Map<string, ReceiptRule>> {
    const out = await this.paced(() => this.ses.send(new DescribeReceiptRuleSetCommand({ RuleSetName: this.ruleSetName })));
    const own = new RegExp(`^${SYNC_RULE_PREFIX}${route.replace(/[-]/g, '\\-')}-\\d+$`);
    return new Map((out.Rules ?? []).filter((r) => r.Name !== undefined && own.test(r.Name)).map((r) => [r.Name!, r]));
  }

  /** One control-plane call, at most one per interval. */
  private async paced<T>(send: () => Promise<T>): Promise<T> {
    const wait = this.lastCall + this.intervalMs - this.now();
    if (wait > 0) await this.sleep(wait);
    try {
      return await send();
    } finally {
      this.lastCall = this.now();
    }
  }
}

function sameRule(a: ReceiptRule, b: ReceiptRule): boolean {
  return (
    a.Enabled === b.Enabled &&
    a.ScanEnabled === b.ScanEnabled &&
    a.TlsPolicy === b.TlsPolicy &&
    JSON.stringify(a.Recipients ?? []) === JSON.stringify(b.Recipients ?? []) &&
    JSON.stringify(a.Actions ?? []) === JSON.stringify(b.Actions ?? [])
  );
}
