// Writes the route table (names, domains, primaries, queue URLs) into the
// state table at every deploy, for the Lambdas to read once per cold start:
// Lambda's environment is capped at 4 KB for all variables, which a few
// dozen domains already exceed. Queue URLs are CloudFormation tokens, so the
// item is built by CloudFormation, not at synth.
import { createHash } from 'node:crypto';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { ROUTE_TABLE_ATTRIBUTE, ROUTE_TABLE_KEY } from '../../lambdas/config/route-table.js';
import type { Route } from '../../lambdas/core/model.js';
import { acceptFinding, LAMBDA_BASIC_EXECUTION } from '../nag.js';

/** The id CDK gives the AwsCustomResource singleton function (fixed in aws-cdk-lib). */
const AWS_CUSTOM_RESOURCE_FUNCTION_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/**
 * CloudFormation hands the item to the writer function in the custom
 * resource event (Lambda takes at most 256 KB for an asynchronous event),
 * and a DynamoDB item holds at most 400 KB; keep well under both.
 */
export const ROUTE_TABLE_MAX_BYTES = 200_000;
/** Queue URLs are resolved at deploy; https://sqs.<region>.amazonaws.com/<account>/<name> stays below this. */
const QUEUE_URL_ESTIMATE_BYTES = 160;

/** Environment variable holding RouteTable.digest (read by nobody: its change is the point). */
export const ROUTE_TABLE_DIGEST_VARIABLE = 'BACKUPMX_ROUTE_TABLE_DIGEST';

export interface RouteTableProps {
  table: dynamodb.ITable;
  routes: { route: Omit<Route, 'queueUrl'>; queue: sqs.IQueue }[];
}

export class RouteTable extends Construct {
  readonly resource: cr.AwsCustomResource;
  /** The routes as the Lambdas will read them (queue URLs as tokens), for tests and size checks. */
  readonly routes: Route[];

  /**
   * A digest of what synth knows of the table (everything but the queue URLs,
   * which change only with a route's name). The functions carry it in their
   * environment, so a changed table updates them and no warm container keeps
   * reading the old one.
   */
  readonly digest: string;

  constructor(scope: Construct, id: string, props: RouteTableProps) {
    super(scope, id);
    this.digest = createHash('sha256').update(JSON.stringify(props.routes.map(({ route }) => route))).digest('hex').slice(0, 16);
    this.routes = props.routes.map(({ route, queue }) => ({ ...route, queueUrl: queue.queueUrl }));
    const estimate = Buffer.byteLength(JSON.stringify(props.routes.map(({ route }) => ({ ...route, queueUrl: 'x'.repeat(QUEUE_URL_ESTIMATE_BYTES) }))));
    this.node.addValidation({
      validate: () =>
        estimate > ROUTE_TABLE_MAX_BYTES
          ? [`the route table takes about ${estimate} bytes; backup-mx keeps it under ${ROUTE_TABLE_MAX_BYTES} (CloudFormation passes it in a custom resource event, which Lambda caps at 256 KB, into a DynamoDB item, capped at 400 KB). Use fewer or shorter domains per stack, or a second stack`]
          : [],
    });
    const item: Record<string, { S: string }> = {
      ...Object.fromEntries(Object.entries(ROUTE_TABLE_KEY).map(([name, value]) => [name, { S: value }])),
      [ROUTE_TABLE_ATTRIBUTE]: { S: Stack.of(this).toJsonString(this.routes) },
    };
    const put: cr.AwsSdkCall = {
      service: 'DynamoDB',
      action: 'putItem',
      parameters: { TableName: props.table.tableName, Item: item },
      physicalResourceId: cr.PhysicalResourceId.of('backup-mx-route-table'),
    };
    this.resource = new cr.AwsCustomResource(this, 'Writer', {
      onCreate: put,
      onUpdate: put,
      // Nothing on delete: the table is retained, and the next deploy overwrites the item.
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [props.table.tableArn] }),
      ]),
      installLatestAwsSdk: false,
    });
    // The framework's one function per stack sits at the stack root.
    const framework = Stack.of(this).node.tryFindChild(AWS_CUSTOM_RESOURCE_FUNCTION_ID);
    if (framework) {
      acceptFinding(framework, `IAM4[${LAMBDA_BASIC_EXECUTION}]`, 'The CDK AwsCustomResource function only writes its own CloudWatch Logs with this managed policy.');
    }
  }
}
