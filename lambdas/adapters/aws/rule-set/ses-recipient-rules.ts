// Writes a synced route's receipt rules into our rule set from its stored
// list, outside CloudFormation: `sync-<route>-<n>`, a name no rule of the
// template has (those are `route-…` and `canary`), so a deploy never touches
// them. Each rule copies the actions, scan and TLS policy of the route's
// disabled template rule `route-<route>` (CloudFormation's), so a deploy that
// changes the bucket, the topic or the TLS policy changes what the rules do
// once the deploy's custom resource writes them again.
//
// SES allows about one control-plane call a second: calls are paced a second
// apart (and retried by the client, CONTROL_PLANE_MAX_ATTEMPTS), so a full
// 200-rule write takes about 200 s + 2 reads; an unchanged rule costs nothing.
// Order: missing rules are created, changed ones updated, unneeded ones
// deleted last, so an address is refused only while it moves between two
// rules (one update apart, about a second).
import {
  CreateReceiptRuleCommand,
  DeleteReceiptRuleCommand,
  DescribeReceiptRuleCommand,
  DescribeReceiptRuleSetCommand,
  UpdateReceiptRuleCommand,
  type ReceiptRule,
  type SESClient,
} from '@aws-sdk/client-ses';
import { receiptRuleChunks, syncTemplateRuleName } from '../../../../lib/config/receipt-rule-chunks.js';
import type { RecipientRules, RuleApplyReport } from '../../../core/recipients/ports.js';

/** No rule of the template starts so: the synced rules' own names. */
export const SYNC_RULE_PREFIX = 'sync-';
/** SES's documented rate for receipt-rule calls: one a second. */
export const CONTROL_PLANE_INTERVAL_MS = 1_000;

export function syncRuleName(route: string, chunk: number): string {
  return `${SYNC_RULE_PREFIX}${route}-${chunk + 1}`;
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

  async apply(route: { name: string; domains: string[] }, addresses: string[] | undefined): Promise<RuleApplyReport> {
    const template = await this.template(route.name);
    const existing = await this.syncedRules(route.name);
    const desired = receiptRuleChunks({ domains: route.domains, ...(addresses ? { recipients: addresses } : {}) });
    const report: RuleApplyReport = { rules: desired.length, created: 0, updated: 0, deleted: 0 };
    const wanted = desired.map((recipients, chunk): ReceiptRule => ({
      Name: syncRuleName(route.name, chunk),
      Enabled: true,
      Recipients: recipients,
      Actions: template.Actions ?? [],
      ScanEnabled: template.ScanEnabled ?? true,
      TlsPolicy: template.TlsPolicy ?? 'Optional',
    }));
    // Created in order, each after the one before (the first after its template).
    let after = templateRuleName(route.name);
    for (const rule of wanted) {
      if (!existing.has(rule.Name!)) {
        await this.paced(() => this.ses.send(new CreateReceiptRuleCommand({ RuleSetName: this.ruleSetName, After: after, Rule: rule })));
        report.created += 1;
      }
      after = rule.Name!;
    }
    for (const rule of wanted) {
      const current = existing.get(rule.Name!);
      if (current && !sameRule(current, rule)) {
        await this.paced(() => this.ses.send(new UpdateReceiptRuleCommand({ RuleSetName: this.ruleSetName, Rule: rule })));
        report.updated += 1;
      }
    }
    const names = new Set(wanted.map((r) => r.Name!));
    for (const name of existing.keys()) {
      if (names.has(name)) continue;
      await this.paced(() => this.ses.send(new DeleteReceiptRuleCommand({ RuleSetName: this.ruleSetName, RuleName: name })));
      report.deleted += 1;
    }
    return report;
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
