// Where the route table lives in AWS and how it is checked: one item of the
// state table, written by the stack at deploy (a custom resource) and read once
// per cold start. It stays out of the Lambda environment, which AWS caps at
// 4 KB for all variables together; 20 routes of 40 domains take about 25 KB.
//
// The table decides where all mail goes, so every function checks what it
// read against the digest synth put in its environment, and the item is keyed
// by that digest: each deployed version of the functions reads the table it
// was deployed with (a deploy writes the new item before the functions change
// and removes the old one after), so a mismatch is never a deploy in progress.
import { createHash } from 'node:crypto';
import { TABLE_LAYOUT } from './table-layout.js';

/** Partition key of the route table; only the deploy-time writer may write it (lib/constructs/route-table.ts). */
export const ROUTE_TABLE_PARTITION = 'config';
/** The attribute holding the routes as JSON text (what BACKUPMX_ROUTES would hold). */
export const ROUTE_TABLE_ATTRIBUTE = 'routes';

/** The item of the table with this digest. */
export function routeTableKey(digest: string): { [TABLE_LAYOUT.partitionKey]: string; [TABLE_LAYOUT.sortKey]: string } {
  return { [TABLE_LAYOUT.partitionKey]: ROUTE_TABLE_PARTITION, [TABLE_LAYOUT.sortKey]: `routes#${digest}` };
}

/**
 * SHA-256 (hex) of the routes without their queue URLs, over a canonical JSON
 * (keys sorted, undefined left out), so synth (from the config) and a function
 * (from the item's JSON) compute it the same way. Queue URLs are CloudFormation
 * tokens at synth; what a changed one could do is bounded by IAM (README: Security).
 */
export function routeTableDigest(routes: readonly unknown[]): string {
  const withoutQueues = routes.map((route) => {
    if (typeof route !== 'object' || route === null) return route;
    const { queueUrl: _queueUrl, ...rest } = route as Record<string, unknown>;
    return rest;
  });
  return createHash('sha256').update(canonicalJson(withoutQueues)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The table read does not match the digest this function was deployed with. */
export class RouteTableDigestError extends Error {
  constructor(
    readonly expected: string,
    readonly found: string,
  ) {
    super(
      `route table refused: its digest ${found.slice(0, 16)}… is not the ${expected.slice(0, 16)}… this function was deployed with; ` +
        'someone changed the config item outside a deploy. Nothing is delivered until `npx cdk deploy` writes it again',
    );
    this.name = 'RouteTableDigestError';
  }
}

/** Returns the routes' JSON text when its digest is `expected`; throws RouteTableDigestError otherwise. */
export function checkRouteTable(text: string, expected: string): string {
  let routes: unknown;
  try {
    routes = JSON.parse(text);
  } catch {
    throw new RouteTableDigestError(expected, 'not-json');
  }
  const found = Array.isArray(routes) ? routeTableDigest(routes) : 'not-a-list';
  if (found !== expected) throw new RouteTableDigestError(expected, found);
  return text;
}
