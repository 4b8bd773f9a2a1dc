// Switching a route to recipientSync and back, and the first deploy, keep its
// mail accepted at every step of CloudFormation's update: a small model of
// the order CloudFormation follows over the two synthesized templates (creates
// and updates in dependency order, the custom resource once every rule it
// depends on is done, then the cleanup pass deleting what left the template;
// a failed custom resource rolls back instead), with SES matching every
// enabled rule. After each step some enabled rule must match every address.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-monitor-stack.html
import { describe, expect, it } from 'vitest';
import { receiptRuleChunks } from '../../../lib/config/receipt-rule-chunks.js';
import { RECIPIENT_SYNC_RESOURCE_TYPE } from '../../../lib/constructs/recipient-sync-rules.js';
import { gainRoutes, type RecipientSyncProperties } from '../../../lambdas/handlers/recipient-sync-deploy.js';
import { buildStack } from '../../support/cdk/stack-fixture.js';

type Resource = { Type: string; Properties?: Record<string, any>; DependsOn?: string | string[] };
type Resources = Record<string, Resource>;
type SesRule = { name: string; enabled: boolean; recipients: string[] };

const ADDRESSES = Array.from({ length: 150 }, (_, i) => `user${String(i).padStart(3, '0')}@example.com`);
const primary = { host: 'mx.example.com', port: 587 };
const other = { name: 'other', domains: ['other.example'], primary: { host: 'mx.other.example', port: 587 } };
const staticCorp = { name: 'corp', domains: ['example.com'], recipients: ADDRESSES, primary };
const syncedCorp = { ...staticCorp, recipientSync: { maxAddresses: 500 } };
const syncedOther = { ...other, recipients: ['a@other.example'], recipientSync: { maxAddresses: 100 } };

function template(routes: Record<string, unknown>[]): Resources {
  return buildStack({ region: 'us-east-1', routes }).template.toJSON().Resources as Resources;
}

const dependsOn = (r: Resource) => [r.DependsOn ?? []].flat();
/** Every logical id a resource waits for: DependsOn, Ref and Fn::GetAtt. */
function dependencies(resources: Resources, id: string): string[] {
  const refs = new Set(dependsOn(resources[id]!));
  JSON.stringify(resources[id]!.Properties ?? {}, (key, value) => {
    if (key === 'Ref' && typeof value === 'string' && value in resources) refs.add(value);
    if (key === 'Fn::GetAtt' && Array.isArray(value) && value[0] in resources) refs.add(value[0]);
    return value;
  });
  return [...refs];
}
function topological(resources: Resources): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const dep of dependencies(resources, id)) visit(dep);
    order.push(id);
  };
  for (const id of Object.keys(resources)) visit(id);
  return order;
}

/** A call CloudFormation sees fail (anything else is a bug of the model and fails the test). */
class ResourceFailed extends Error {}

/** The receipt rules of our set as SES holds them, and whether the set receives mail. */
class SesModel {
  readonly rules = new Map<string, SesRule>();
  active = false;
  /** Makes the custom resource fail (a throttled SES, say). */
  failSync = false;
  /** The gain pass behaves as the exact one (what a single pass did): the model must then see a moved domain refused. */
  gainAsExact = false;
  /** Called after each route the custom resource writes (it writes them one after another). */
  onRoute?: (route: string) => void;

  apply(type: string, op: 'create' | 'update' | 'delete', props: Record<string, any> | undefined, old?: Record<string, any>): void {
    if (type === 'AWS::SES::ReceiptRule') {
      const rule = props!.Rule;
      if (op === 'delete') this.rules.delete(rule.Name);
      else {
        if (op === 'update' && old && old.Rule.Name !== rule.Name) this.rules.delete(old.Rule.Name);
        if (op === 'create' && this.rules.has(rule.Name)) throw new ResourceFailed(`rule ${rule.Name} exists`);
        this.rules.set(rule.Name, { name: rule.Name, enabled: rule.Enabled !== false, recipients: rule.Recipients });
      }
    } else if (type === RECIPIENT_SYNC_RESOURCE_TYPE) {
      if (op !== 'delete' && this.failSync) throw new ResourceFailed('custom resource failed');
      const removeRoute = (route: string) => {
        for (const name of [...this.rules.keys()]) if (name.startsWith(`sync-${route}-`)) this.rules.delete(name);
      };
      const gain = props!.Phase === 'gain' && !this.gainAsExact;
      if (op === 'delete') {
        // recipient-sync-deploy.ts: the gain pass's Delete removes nothing, the exact pass's every route's rules.
        if (props!.Phase !== 'gain') for (const route of props!.Routes) removeRoute(route.Name);
        return;
      }
      const kept = new Set(props!.Routes.map((r: { Name: string }) => r.Name));
      if (!gain) for (const route of old?.Routes ?? []) if (!kept.has(route.Name)) removeRoute(route.Name);
      // The gain pass keeps the domains a route is losing (gainRoutes).
      const routes = gain ? gainRoutes({ ResourceProperties: props as RecipientSyncProperties, ...(old ? { OldResourceProperties: old as RecipientSyncProperties } : {}) }) : props!.Routes;
      for (const route of routes) {
        // SesRecipientRules.apply copies the template rule's actions: it must exist.
        const tmpl = props!.Template.find((t: { Route: string }) => t.Route === route.Name).Rule;
        if (!this.rules.has(tmpl)) throw new ResourceFailed(`template rule ${tmpl} missing`);
        removeRoute(route.Name);
        receiptRuleChunks({ domains: route.Domains, ...(route.Seed ? { recipients: route.Seed } : {}) }).forEach((recipients, n) =>
          this.rules.set(`sync-${route.Name}-${n + 1}`, { name: `sync-${route.Name}-${n + 1}`, enabled: true, recipients }),
        );
        this.onRoute?.(route.Name);
      }
    } else if (type === 'Custom::SesRuleSetActivation') {
      this.active = op !== 'delete';
    }
  }

  /** Addresses no enabled rule matches (SES applies every rule that matches; a disabled one matches nothing). */
  refused(addresses: string[]): string[] {
    if (!this.active) return [];
    const enabled = [...this.rules.values()].filter((r) => r.enabled);
    return addresses.filter((a) => !enabled.some((r) => r.recipients.some((entry) => entry === a || (!entry.includes('@') && a.endsWith(`@${entry}`)))));
  }
}

interface Step { step: string; refused: string[] }

/** Deploys `next` over `previous` (empty: a first deploy), checking the addresses after every step. */
function deploy(ses: SesModel, previous: Resources, next: Resources, addresses: string[]): { steps: Step[]; failed: boolean } {
  const steps: Step[] = [];
  const check = (step: string) => steps.push({ step, refused: ses.refused(addresses) });
  const done: { id: string; op: 'create' | 'update' }[] = [];
  const order = topological(next);
  let current = '';
  ses.onRoute = (route) => check(`${current}, route ${route} written`);
  try {
    for (const id of order) {
      const now = next[id]!;
      const before = previous[id];
      if (before && JSON.stringify(before.Properties) === JSON.stringify(now.Properties)) continue;
      const op = before ? 'update' : 'create';
      current = `${op} ${id}`;
      ses.apply(now.Type, op, now.Properties, before?.Properties);
      done.push({ id, op });
      check(`${op} ${id}`);
    }
  } catch (error) {
    if (!(error instanceof ResourceFailed)) throw error;
    // Rollback: updates undone with the old properties, creates deleted, in reverse order.
    for (const { id, op } of done.reverse()) {
      if (op === 'update') ses.apply(next[id]!.Type, 'update', previous[id]!.Properties, next[id]!.Properties);
      else ses.apply(next[id]!.Type, 'delete', next[id]!.Properties);
      check(`rollback ${op} ${id}`);
    }
    return { steps, failed: true };
  }
  // Cleanup pass: what left the template, dependents first.
  for (const id of topological(previous).reverse()) {
    if (id in next) continue;
    ses.apply(previous[id]!.Type, 'delete', previous[id]!.Properties);
    check(`cleanup delete ${id}`);
  }
  return { steps, failed: false };
}

function deployed(resources: Resources): SesModel {
  const ses = new SesModel();
  deploy(ses, {}, resources, []);
  return ses;
}

const probes = [...ADDRESSES, 'a@other.example'];

describe('switching a route to recipientSync keeps its mail accepted at every step', () => {
  const staticTemplate = template([staticCorp, syncedOther]);
  const syncedTemplate = template([syncedCorp, syncedOther]);
  const ruleIds = (resources: Resources, route: string) =>
    Object.entries(resources).filter(([, r]) => r.Type === 'AWS::SES::ReceiptRule' && new RegExp(`^(route|tmpl)-${route}(-\\d+)?$`).test(r.Properties!.Rule.Name));

  it('the old rules\' logical ids leave the template (deleted in cleanup); the disabled template rule is a new logical id the custom resource waits for', () => {
    const old = ruleIds(staticTemplate, 'corp');
    expect(old.map(([, r]) => r.Properties!.Rule.Name)).toEqual(['route-corp', 'route-corp-2']);
    for (const [id] of old) expect(syncedTemplate[id]).toBeUndefined();
    const [tmpl] = ruleIds(syncedTemplate, 'corp');
    expect(ruleIds(syncedTemplate, 'corp')).toHaveLength(1);
    expect(tmpl![1].Properties!.Rule).toMatchObject({ Name: 'tmpl-corp', Enabled: false, Recipients: ['example.com'] });
    expect(staticTemplate[tmpl![0]]).toBeUndefined();
    const [, sync] = Object.entries(syncedTemplate).find(([, r]) => r.Type === RECIPIENT_SYNC_RESOURCE_TYPE)!;
    expect(dependsOn(sync)).toContain(tmpl![0]);
  });

  it('static → synced: the synced rules are written before the route\'s enabled rules go', () => {
    const ses = deployed(staticTemplate);
    const { steps, failed } = deploy(ses, staticTemplate, syncedTemplate, probes);
    expect(failed).toBe(false);
    expect(steps.filter((s) => s.refused.length > 0)).toEqual([]);
    expect(steps.map((s) => s.step).some((s) => s.startsWith('cleanup delete'))).toBe(true);
    expect([...ses.rules.keys()].filter((n) => n.includes('corp')).sort()).toEqual(['sync-corp-1', 'sync-corp-2', 'tmpl-corp']);
  });

  it('static → synced with a failing custom resource: the rollback never disables the route\'s rules', () => {
    const ses = deployed(staticTemplate);
    ses.failSync = true;
    const { steps, failed } = deploy(ses, staticTemplate, syncedTemplate, probes);
    expect(failed).toBe(true);
    expect(steps.filter((s) => s.refused.length > 0)).toEqual([]);
    expect(ses.rules.get('route-corp')?.enabled).toBe(true);
    expect(ses.rules.has('tmpl-corp')).toBe(false);
  });

  it('synced → static, with another route still syncing and with none left: the static rules exist before the synced ones go', () => {
    for (const back of [template([staticCorp, syncedOther]), template([staticCorp, other])]) {
      const ses = deployed(syncedTemplate);
      const { steps, failed } = deploy(ses, syncedTemplate, back, ADDRESSES);
      expect(failed).toBe(false);
      expect(steps.filter((s) => s.refused.length > 0)).toEqual([]);
      expect([...ses.rules.keys()].filter((n) => n.includes('corp')).sort()).toEqual(['route-corp', 'route-corp-2']);
    }
  });

  it('a first deploy activates the set only once the synced rules exist', () => {
    const ses = new SesModel();
    const { steps } = deploy(ses, {}, syncedTemplate, probes);
    expect(ses.active).toBe(true);
    expect(steps.filter((s) => s.refused.length > 0)).toEqual([]);
  });

  it('the model catches the old layout: a template rule keeping Rule-corp/route-corp, disabled in the update phase, refuses mail', () => {
    // The template as it was before: the disabled template under the static rule's id and name.
    const [tmplId, tmpl] = ruleIds(syncedTemplate, 'corp')[0]!;
    const [ruleId] = ruleIds(staticTemplate, 'corp')[0]!;
    const oldLayout: Resources = structuredClone({ ...syncedTemplate, [ruleId]: { ...tmpl, Properties: { ...tmpl.Properties, Rule: { ...tmpl.Properties!.Rule, Name: 'route-corp' } } } });
    delete oldLayout[tmplId];
    for (const r of Object.values(oldLayout)) {
      if (r.Type === RECIPIENT_SYNC_RESOURCE_TYPE) {
        r.Properties = structuredClone(r.Properties);
        r.Properties!.Template[0].Rule = 'route-corp';
      }
      if (dependsOn(r).includes(tmplId)) r.DependsOn = dependsOn(r).map((d) => (d === tmplId ? ruleId : d));
      if (r.Properties?.After?.Ref === tmplId) r.Properties = { ...r.Properties, After: { Ref: ruleId } };
    }
    const ses = deployed(staticTemplate);
    const { steps, failed } = deploy(ses, staticTemplate, oldLayout, ADDRESSES);
    expect(failed).toBe(false);
    expect(steps.find((s) => s.refused.length > 0)?.step).toBe(`update ${ruleId}`);
  });
});

describe('a domain moving between routes in one deploy stays matched at every step', () => {
  const moved = 'x@moved.example';
  const bAddresses = ['one@b.example', 'two@b.example'];
  const staticB = (domains: string[]) => ({ name: 'bravo', domains, recipients: bAddresses, primary: { host: 'mx.b.example', port: 587 } });
  const syncedB = (domains: string[]) => ({ ...staticB(domains), recipientSync: { maxAddresses: 100 } });
  const syncedO = (domains: string[]) => ({ ...syncedOther, domains });
  const probesMoving = [...ADDRESSES, 'a@other.example', ...bAddresses, moved];
  // The losing route comes first in the config: a single pass in config order drops the domain before the gaining route adds it.
  const cases: { name: string; before: Record<string, unknown>[]; after: Record<string, unknown>[] }[] = [
    { name: 'static → synced', before: [staticCorp, staticB(['b.example', 'moved.example']), syncedO(['other.example'])], after: [staticCorp, staticB(['b.example']), syncedO(['other.example', 'moved.example'])] },
    { name: 'synced → static', before: [staticCorp, syncedO(['other.example', 'moved.example']), staticB(['b.example'])], after: [staticCorp, syncedO(['other.example']), staticB(['b.example', 'moved.example'])] },
    { name: 'synced → synced', before: [staticCorp, syncedO(['other.example', 'moved.example']), syncedB(['b.example'])], after: [staticCorp, syncedO(['other.example']), syncedB(['b.example', 'moved.example'])] },
  ];

  for (const { name, before, after } of cases) {
    it(`${name}: every address of every route, the moved domain's included, is matched after each step`, () => {
      const previous = template(before);
      const next = template(after);
      const ses = deployed(previous);
      const { steps, failed } = deploy(ses, previous, next, probesMoving);
      expect(failed).toBe(false);
      expect(steps.length).toBeGreaterThan(0);
      expect(steps.filter((s) => s.refused.length > 0)).toEqual([]);
      // Once the exact pass ran, the domain is matched only by the route it moved to.
      const holders = [...ses.rules.values()].filter((r) => r.enabled && r.recipients.includes('moved.example')).map((r) => r.name);
      expect(holders.length).toBeGreaterThan(0);
      expect(holders.every((n) => n.includes('bravo') ? name !== 'static → synced' : n.includes('other') && name === 'static → synced')).toBe(true);
    });
  }

  it('the model catches a single pass: with the gain pass dropping what left, the moved domain is refused mid-deploy', () => {
    for (const { before, after } of cases.filter((c) => c.name !== 'static → synced')) {
      const previous = template(before);
      const next = template(after);
      const ses = deployed(previous);
      ses.gainAsExact = true;
      const { steps } = deploy(ses, previous, next, probesMoving);
      expect(steps.find((s) => s.refused.includes(moved))).toBeDefined();
    }
  });

  it('the order in the template: static route rules wait for the gain pass, which waits only for the set and the templates; the exact pass for every rule', () => {
    const next = template(cases[0]!.after);
    const sync = Object.entries(next).filter(([, r]) => r.Type === RECIPIENT_SYNC_RESOURCE_TYPE);
    const [gainId] = sync.find(([, r]) => r.Properties!.Phase === 'gain')!;
    const [exactId, exact] = sync.find(([, r]) => r.Properties!.Phase === 'exact')!;
    expect(exactId).toMatch(/^InboundRecipientSync[0-9A-F]{8}$/); // the id the single pass had: its physical id and rules kept
    const rules = Object.entries(next).filter(([, r]) => r.Type === 'AWS::SES::ReceiptRule');
    for (const [id, rule] of rules) {
      expect(dependsOn(exact)).toContain(id);
      if (/^route-/.test(rule.Properties!.Rule.Name)) expect(dependencies(next, id)).toContain(gainId);
    }
    const waits = (id: string): Set<string> => new Set(dependencies(next, id).flatMap((d) => [d, ...waits(d)]));
    const gainWaits = waits(gainId);
    for (const [id, rule] of rules) if (!/^tmpl-/.test(rule.Properties!.Rule.Name)) expect(gainWaits.has(id)).toBe(false);
  });
});
