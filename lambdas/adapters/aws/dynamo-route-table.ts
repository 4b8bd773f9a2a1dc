// Reads the route table item the stack wrote for this version of the
// functions (lambdas/config/route-table.ts), and checks it against its digest.
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { checkRouteTable, ROUTE_TABLE_ATTRIBUTE, routeTableKey } from '../../config/route-table.js';

export class RouteTableMissingError extends Error {
  constructor(readonly tableName: string, readonly digest: string) {
    super(`no route table in ${tableName} for this deployment (item config/routes#${digest.slice(0, 16)}…): is the stack's deployment finished? Deploy again with \`npx cdk deploy\``);
    this.name = 'RouteTableMissingError';
  }
}

/**
 * The routes as JSON text, when their digest is `digest`. Throws
 * RouteTableMissingError when the item is absent and RouteTableDigestError
 * when what it holds is not what was deployed.
 */
export async function readRouteTable(doc: DynamoDBDocumentClient, tableName: string, digest: string): Promise<string> {
  const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: routeTableKey(digest), ConsistentRead: true }));
  const text = Item?.[ROUTE_TABLE_ATTRIBUTE];
  if (typeof text !== 'string') throw new RouteTableMissingError(tableName, digest);
  return checkRouteTable(text, digest);
}
