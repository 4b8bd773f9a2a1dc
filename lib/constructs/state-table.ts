// The one DynamoDB table: primary health, leases, holds, the per-recipient
// ledger and the message index. Keys come from the shared TABLE_LAYOUT.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_LAYOUT } from '../../lambdas/config/table-layout.js';

const S = dynamodb.AttributeType.STRING;

export class StateTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_LAYOUT.partitionKey, type: S },
      sortKey: { name: TABLE_LAYOUT.sortKey, type: S },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TABLE_LAYOUT.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // The ledger prevents duplicate deliveries of mail still in the bucket: kept on
      // delete and replacement, removed only when the stack's first create rolls back.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_LAYOUT.routeIndex.name,
      partitionKey: { name: TABLE_LAYOUT.routeIndex.partitionKey, type: S },
      sortKey: { name: TABLE_LAYOUT.routeIndex.sortKey, type: S },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
}
