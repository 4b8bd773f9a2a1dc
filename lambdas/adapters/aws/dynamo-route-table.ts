// Reads the route table item the stack wrote (lambdas/config/route-table.ts).
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ROUTE_TABLE_ATTRIBUTE, ROUTE_TABLE_KEY } from '../../config/route-table.js';

export class RouteTableMissingError extends Error {
  constructor(readonly tableName: string) {
    super(`no route table in ${tableName} (item config/routes): is the stack's deployment finished? Deploy again with \`npx cdk deploy\``);
    this.name = 'RouteTableMissingError';
  }
}

/** The routes as JSON text; throws RouteTableMissingError when the item is absent. */
export async function readRouteTable(doc: DynamoDBDocumentClient, tableName: string): Promise<string> {
  const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: { ...ROUTE_TABLE_KEY }, ConsistentRead: true }));
  const text = Item?.[ROUTE_TABLE_ATTRIBUTE];
  if (typeof text !== 'string') throw new RouteTableMissingError(tableName);
  return text;
}
