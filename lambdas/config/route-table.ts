// Where the route table lives in AWS: one item of the state table, written by
// the stack at deploy (a custom resource) and read once per cold start. It
// stays out of the Lambda environment, which AWS caps at 4 KB for all
// variables together; 20 routes of 40 domains take about 25 KB.
import { TABLE_LAYOUT } from './table-layout.js';

export const ROUTE_TABLE_KEY = { [TABLE_LAYOUT.partitionKey]: 'config', [TABLE_LAYOUT.sortKey]: 'routes' } as const;
/** The attribute holding the routes as JSON text (what BACKUPMX_ROUTES would hold). */
export const ROUTE_TABLE_ATTRIBUTE = 'routes';
