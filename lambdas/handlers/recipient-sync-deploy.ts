// Custom resource (CDK Provider framework, onEvent) run on every deploy that
// changes a synced route, its template rule (bucket, topic, TLS policy) or the
// rule set: it writes each synced route's rules again from the stored list
// (the seed before the first push), so a deploy never undoes a push.
//
// Two resources run it, told apart by `Phase`, so a domain moving between
// routes in one deploy is matched by some enabled rule at every step:
// - "gain", before CloudFormation updates the static route rules (they depend
//   on it): each synced route gets its new list but KEEPS the domains it is
//   losing (its domains are those of before and after), so a domain moving in
//   is matched before a static rule drops it, and one moving out is still
//   matched until the static rule or synced route gaining it is written;
// - "exact", after every rule: the lists exactly, and routes that stopped
//   syncing lose their rules.
// Only the CDK provider invokes it (its properties come from the template);
// the rule writer a push asks is another function (recipient-rule-writer.ts),
// so nothing the public push function sends can reach this one.
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PowertoolsDeliveryLog } from '../adapters/aws/powertools-delivery-log.js';
import { composeRecipientSync } from '../app/compose-recipients.js';
import type { RecipientListStore, RecipientRules } from '../core/recipients/ports.js';
import type { SyncRecipients } from '../core/recipients/sync-recipients.js';
import type { SyncedRoute } from '../core/recipients/synced-route.js';
import { controlPlaneClients } from './activate-rule-set.js';

/** A synced route as the template passes it (CloudFormation hands every scalar over as a string). */
export interface SyncedRouteProperty {
  Name: string;
  Domains: string[];
  MaxShrinkPercent: string | number;
  MaxAddresses: string | number;
  Seed?: string[];
}

export interface RecipientSyncProperties {
  RuleSetName: string;
  TableName: string;
  BucketName: string;
  Routes: SyncedRouteProperty[];
  /** What the synced rules copy from the template rules (bucket, topics, TLS policy): a change re-runs this resource. */
  Template?: unknown;
  /**
   * The route table's digest the functions were deployed with (route-table.ts): recorded on the rule set's
   * writer lease, so a push's writer still configured with the previous table writes nothing. Absent in
   * templates before it was added.
   */
  RouteTableDigest?: string;
  /** Which pass (above); absent on a resource deployed before the passes: exact. */
  Phase?: RecipientSyncPhase;
}

export type RecipientSyncPhase = 'gain' | 'exact';

export interface RecipientSyncEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  PhysicalResourceId?: string;
  ResourceProperties: RecipientSyncProperties;
  OldResourceProperties?: RecipientSyncProperties;
}

export interface RecipientSyncResult {
  PhysicalResourceId: string;
  Data: { Summary: string };
}

export function syncedRouteOf(property: SyncedRouteProperty): SyncedRoute {
  return {
    name: property.Name,
    domains: property.Domains,
    maxShrinkPercent: Number(property.MaxShrinkPercent),
    maxAddresses: Number(property.MaxAddresses),
    ...(property.Seed && property.Seed.length > 0 ? { seed: property.Seed } : {}),
  };
}

/** The custom resource's physical id: one per rule set (a new set, a new id) and pass (the exact pass keeps the id it always had). */
export function physicalIdOf(ruleSetName: string, phase: RecipientSyncPhase = 'exact'): string {
  return phase === 'gain' ? `recipient-sync-gain-${ruleSetName}` : `recipient-sync-${ruleSetName}`;
}

/** Between the gain pass's id and the routes its Create wrote from nothing (route names are [a-z0-9-]). */
const FRESH_MARK = '~fresh~';
/** CloudFormation's physical ids hold 1,024 characters; past this the routes are not named (the Delete then removes nothing, as before). */
const MAX_PHYSICAL_ID = 1000;

/**
 * The gain pass's id after its Create: it names the routes that had no synced
 * rules before it (a stack turning sync on), so the Delete a rollback brings
 * removes exactly those, and leaves routes whose rules were there before (the
 * first deploy of this version over synced routes) alone.
 */
export function gainIdOf(ruleSetName: string, fresh: string[]): string {
  const id = physicalIdOf(ruleSetName, 'gain');
  const named = fresh.length > 0 ? `${id}${FRESH_MARK}${fresh.join('~')}` : id;
  return named.length <= MAX_PHYSICAL_ID ? named : id;
}

/** The routes a gain pass's id names (none for another set's id or an id without them). */
export function freshRoutesOf(physicalId: string | undefined, ruleSetName: string): string[] {
  const prefix = `${physicalIdOf(ruleSetName, 'gain')}${FRESH_MARK}`;
  if (!physicalId?.startsWith(prefix)) return [];
  return physicalId.slice(prefix.length).split('~').filter((name) => /^[a-z0-9-]+$/.test(name));
}

/**
 * The gain pass's routes: each synced route with its domains of before and
 * after (same set only), so its list's addresses of a departing domain, or the
 * whole domain, stay matched; its budget both lists' so nothing is compacted away.
 */
export function gainRoutes(event: Pick<RecipientSyncEvent, 'ResourceProperties' | 'OldResourceProperties'>): SyncedRouteProperty[] {
  const props = event.ResourceProperties;
  const old = event.OldResourceProperties;
  if (!old || old.RuleSetName !== props.RuleSetName) return props.Routes;
  const before = new Map(old.Routes.map((r) => [r.Name, r]));
  return props.Routes.map((route) => {
    const was = before.get(route.Name);
    if (!was) return route;
    const departed = was.Domains.filter((d) => !route.Domains.includes(d));
    if (departed.length === 0) return route;
    return { ...route, Domains: [...route.Domains, ...departed], MaxAddresses: Number(route.MaxAddresses) + Number(was.MaxAddresses) };
  });
}

const phaseOf = (props: RecipientSyncProperties): RecipientSyncPhase => (props.Phase === 'gain' ? 'gain' : 'exact');

/** `lock` (the rule set's writer lease) is held for the whole pass, removals included; `store` retires the lists of routes that stop syncing. */
export type RecipientSyncFactory = (properties: RecipientSyncProperties) => {
  sync: SyncRecipients;
  rules: RecipientRules;
  store: Pick<RecipientListStore, 'retire'>;
  lock?: { run<T>(work: () => Promise<T>): Promise<T> };
};

export function makeRecipientSyncHandler(build: RecipientSyncFactory, log: { info(message: string): void } = console) {
  return async (event: RecipientSyncEvent): Promise<RecipientSyncResult> => {
    const props = event.ResourceProperties;
    const phase = phaseOf(props);
    // The physical id names the set, so a renamed set changes it: CloudFormation then sends the
    // old id a Delete (with the old set's name) in its cleanup pass, which removes the old set's
    // synced rules. A Delete answers with the id it was given.
    let id = event.RequestType === 'Delete' && event.PhysicalResourceId ? event.PhysicalResourceId : physicalIdOf(props.RuleSetName, phase);
    // The gain pass keeps the id it was given in the same set (it may name the routes its Create wrote from nothing).
    if (phase === 'gain' && event.RequestType === 'Update' && event.PhysicalResourceId && event.OldResourceProperties?.RuleSetName === props.RuleSetName) id = event.PhysicalResourceId;
    const gainDelete = phase === 'gain' && event.RequestType === 'Delete';
    const fresh = gainDelete ? freshRoutesOf(event.PhysicalResourceId, props.RuleSetName) : [];
    if (gainDelete && fresh.length === 0) {
      // The exact pass's Delete removes the rules. The gain pass's Delete also comes when a deploy that
      // created it rolls back over routes that had rules before (the first deploy of this version): removing
      // then would drop a pushed list.
      return { PhysicalResourceId: id, Data: { Summary: 'gain pass: nothing to remove (the exact pass removes the synced rules)' } };
    }
    const { sync, rules, store, lock } = build(phase === 'gain' ? { ...props, Routes: gainRoutes(event) } : props);
    let pass: () => Promise<string[]>;
    if (gainDelete) {
      // A rollback of the deploy that turned sync on, before the exact pass took over: the rules this pass wrote from nothing go.
      pass = async () => {
        const lines: string[] = [];
        for (const name of fresh) lines.push(`${name}: ${await rules.remove(name)} rules removed (written by the gain pass's Create from nothing)`);
        return lines;
      };
    } else if (event.RequestType === 'Create') {
      pass = async () => {
        const own = await ownRoutes(props, phase, rules);
        // A route with no synced rules syncs anew: a list stored an earlier time it synced is retired, so it starts from the seed.
        // (The gain pass runs first in a deploy; a push stored between it and the exact pass is kept.)
        if (phase === 'gain') for (const name of own) await store.retire(name);
        const write = phase === 'gain' ? () => gainAll(sync, gainRoutes(event)) : () => writeAll(event, sync, rules, store);
        const lines = await undoOnFailure(own, phase, rules, write, log);
        if (phase === 'gain') id = gainIdOf(props.RuleSetName, own);
        return lines;
      };
    } else {
      pass = phase === 'gain' ? () => gainAll(sync, gainRoutes(event)) : () => writeAll(event, sync, rules, store);
    }
    const lines = await (lock ? lock.run(pass) : pass());
    const summary = lines.join('; ');
    log.info(JSON.stringify({ requestType: event.RequestType, phase, summary }));
    return { PhysicalResourceId: id, Data: { Summary: summary } };
  };
}

/**
 * The exact pass (the rule set's writer lease held by the caller): removals of
 * routes that stopped syncing, then each route's rules. A list is retired
 * (recipient-list-store.ts) when its route stops syncing in the same set (and
 * by the gain pass's Create for a route with no rules: an earlier time it
 * synced), so syncing starts again from the seed. Not on Delete: a renamed
 * set's cleanup Delete comes after the new set's rules were written from those
 * very lists.
 */
async function writeAll(event: RecipientSyncEvent, sync: SyncRecipients, rules: RecipientRules, store: Pick<RecipientListStore, 'retire'>): Promise<string[]> {
  const props = event.ResourceProperties;
  const lines: string[] = [];
  if (event.RequestType === 'Delete') {
    for (const route of props.Routes) lines.push(`${route.Name}: ${await rules.remove(route.Name)} rules removed`);
  } else {
    const kept = new Set(props.Routes.map((r) => r.Name));
    const sameSet = event.OldResourceProperties?.RuleSetName === undefined || event.OldResourceProperties.RuleSetName === props.RuleSetName;
    // In the same set, a route that stopped syncing leaves rules behind: removed here. A renamed set
    // changed the physical id, so the old set's rules, every route's, go in the old id's Delete.
    if (sameSet) {
      for (const old of event.OldResourceProperties?.Routes ?? []) {
        if (kept.has(old.Name)) continue;
        const removed = await rules.remove(old.Name);
        await store.retire(old.Name);
        lines.push(`${old.Name}: stopped syncing, ${removed} rules removed, its list retired (syncing again starts from the seed)`);
      }
    }
    for (const route of props.Routes) lines.push(await redeployLine(sync, route.Name));
  }
  return lines;
}

/**
 * The routes a Create may call its own: the exact pass's Create comes when no
 * route synced before it, so all; the gain pass's Create also comes on the
 * first deploy of this version, over rules the exact pass keeps, so only
 * routes with no synced rules yet. One after another: SES's calls are paced.
 */
async function ownRoutes(props: RecipientSyncProperties, phase: RecipientSyncPhase, rules: RecipientRules): Promise<string[]> {
  const own: string[] = [];
  for (const { Name: name } of props.Routes) if (phase === 'exact' || (rules.count && (await rules.count(name)) === 0)) own.push(name);
  return own;
}

/**
 * A failed Create removes the synced rules it wrote for its own routes before
 * reporting the failure: CDK's provider then answers with a CREATE_FAILED
 * physical id and skips the rollback's Delete (custom-resources provider
 * framework, cfn-response), so nothing else would remove them. Runs under the
 * lease; a failed removal is logged and the Create's error reported.
 */
async function undoOnFailure(own: string[], phase: RecipientSyncPhase, rules: RecipientRules, write: () => Promise<string[]>, log: { info(message: string): void }): Promise<string[]> {
  try {
    return await write();
  } catch (error) {
    for (const name of own) {
      try {
        log.info(JSON.stringify({ requestType: 'Create', phase, undo: name, removed: await rules.remove(name) }));
      } catch (undo) {
        log.info(JSON.stringify({ requestType: 'Create', phase, undo: name, failed: String(undo) }));
      }
    }
    throw error;
  }
}

/** The gain pass: every synced route's list with the domains it is losing kept (gainRoutes); nothing removed. */
async function gainAll(sync: SyncRecipients, routes: SyncedRouteProperty[]): Promise<string[]> {
  const lines: string[] = [];
  for (const route of routes) lines.push(`gain ${await redeployLine(sync, route.Name)}`);
  return lines;
}

async function redeployLine(sync: SyncRecipients, route: string): Promise<string> {
  const report = await sync.redeploy(route);
  const status = await sync.status(route);
  const list = status ? `list version ${status.version} (${status.count} addresses, ${status.source})` : 'no list yet, every address of its domains';
  // A list that could not be applied leaves the rules as they were and the deploy goes on (the writer's ERROR line says why).
  const rules = report.kept ? `not applied (${report.kept}), the rules in place kept` : `${report.rules} rules, ${report.created} created, ${report.updated} updated, ${report.deleted} deleted`;
  return `${route}: ${list}; ${rules}`;
}

const deployHandler = makeRecipientSyncHandler((props) => {
  const { ses } = controlPlaneClients();
  return composeRecipientSync({
    doc: documentClient(),
    s3: new S3Client({}),
    tableName: props.TableName,
    bucketName: props.BucketName,
    routes: props.Routes.map(syncedRouteOf),
    rules: { ses, ruleSetName: props.RuleSetName },
    log: new PowertoolsDeliveryLog(),
    // Recorded under the lease: a push's writer still on the previous route table writes nothing after this deploy.
    writer: { as: 'deploy', ...(props.RouteTableDigest ? { routeTableDigest: props.RouteTableDigest } : {}) },
  });
});

const documentClient = () => DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });

/** CloudFormation's events only (through the CDK provider); anything else is refused before any client is built. */
export const handler = async (event: RecipientSyncEvent): Promise<RecipientSyncResult> => {
  if (!['Create', 'Update', 'Delete'].includes((event as { RequestType?: unknown }).RequestType as string)) {
    throw new Error('recipient-sync deploy: not a CloudFormation custom resource event (the rule writer after a push is recipient-rule-writer)');
  }
  return deployHandler(event);
};
