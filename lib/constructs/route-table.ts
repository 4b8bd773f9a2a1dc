// Writes the route table (names, domains, primaries, queue URLs) into the
// state table at every deploy, for the Lambdas to read once per cold start:
// Lambda's environment is capped at 4 KB for all variables, which a few
// dozen domains already exceed. Queue URLs are CloudFormation tokens, so the
// item is built by CloudFormation, not at synth.
//
// This writer is the only principal of the stack that may write the item
// (every function role is denied it: backup-mx-function.ts). The item is keyed
// by the table's digest, which every function carries in its environment and
// checks (lambdas/config/route-table.ts). A changed table is a new item under
// a new physical id: CloudFormation writes it before the functions change,
// and deletes the old one (its Delete call) once the whole update succeeded.
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/config/settings.js';
import { ROUTE_TABLE_ATTRIBUTE, ROUTE_TABLE_PARTITION, routeTableDigest, routeTableKey } from '../../lambdas/config/route-table.js';
import type { Route } from '../../lambdas/core/model.js';
import { deployedRoute, type DeployedRoute } from '../../lambdas/config/settings-from-config.js';
import type { BackupMxConfig } from '../config/backup-mx-config.js';
import { acceptFinding, LAMBDA_BASIC_EXECUTION } from '../nag.js';
import { functionLogGroup } from './backup-mx-function.js';
import type { RouteChannel } from './route-queues.js';

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

/** Environment variable holding RouteTable.digest, which each function checks the table it reads against. */
export const ROUTE_TABLE_DIGEST_VARIABLE = ENV.routeTableDigest;

export { deployedRoute, type DeployedRoute } from '../../lambdas/config/settings-from-config.js';

export interface RouteTableProps {
  table: dynamodb.ITable;
  channels: RouteChannel[];
  config: Pick<BackupMxConfig, 'delayWarningHours' | 'dsnPerHour'>;
}

export class RouteTable extends Construct {
  readonly resource: cr.AwsCustomResource;
  /** The routes as the Lambdas will read them (queue URLs as tokens), for tests and size checks. */
  readonly routes: Route[];
  /** Each route with its queue, for the grants of the functions that use the queues. */
  readonly routeQueues: { route: DeployedRoute; queue: sqs.IQueue }[];

  /**
   * SHA-256 of the table without its queue URLs (routeTableDigest). The
   * functions carry it in their environment, so a changed table also updates
   * them (no warm container keeps the old one), and each checks what it reads.
   */
  readonly digest: string;

  constructor(scope: Construct, id: string, props: RouteTableProps) {
    super(scope, id);
    this.routeQueues = props.channels.map(({ route, queue }) => ({ route: deployedRoute(route, props.config), queue }));
    this.digest = routeTableDigest(this.routeQueues.map(({ route }) => route));
    this.routes = this.routeQueues.map(({ route, queue }) => ({ ...route, queueUrl: queue.queueUrl }));
    const estimate = Buffer.byteLength(JSON.stringify(this.routeQueues.map(({ route }) => ({ ...route, queueUrl: 'x'.repeat(QUEUE_URL_ESTIMATE_BYTES) }))));
    this.node.addValidation({
      validate: () =>
        estimate > ROUTE_TABLE_MAX_BYTES
          ? [`the route table takes about ${estimate} bytes; backup-mx keeps it under ${ROUTE_TABLE_MAX_BYTES} (CloudFormation passes it in a custom resource event, which Lambda caps at 256 KB, into a DynamoDB item, capped at 400 KB). Use fewer or shorter domains per stack, or a second stack`]
          : [],
    });
    const key = Object.fromEntries(Object.entries(routeTableKey(this.digest)).map(([name, value]) => [name, { S: value }]));
    const put: cr.AwsSdkCall = {
      service: 'DynamoDB',
      action: 'putItem',
      parameters: { TableName: props.table.tableName, Item: { ...key, [ROUTE_TABLE_ATTRIBUTE]: { S: Stack.of(this).toJsonString(this.routes) } } },
      // A new digest is a new resource: CloudFormation then deletes the old one after the update.
      physicalResourceId: cr.PhysicalResourceId.of(`backup-mx-route-table-${this.digest}`),
    };
    this.resource = new cr.AwsCustomResource(this, 'Writer', {
      onCreate: put,
      onUpdate: put,
      // The table is retained; its old route tables are not (a stack deleted and deployed again writes its own).
      onDelete: { service: 'DynamoDB', action: 'deleteItem', parameters: { TableName: props.table.tableName, Key: key } },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
          resources: [props.table.tableArn],
          conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [ROUTE_TABLE_PARTITION] } },
        }),
      ]),
      installLatestAwsSdk: false,
      // The framework's one function per stack logs here (the first AwsCustomResource sets it).
      logGroup: functionLogGroup(this, 'WriterLogs'),
    });
    // The framework's one function per stack sits at the stack root.
    const framework = Stack.of(this).node.tryFindChild(AWS_CUSTOM_RESOURCE_FUNCTION_ID);
    if (framework) {
      acceptFinding(framework, `IAM4[${LAMBDA_BASIC_EXECUTION}]`, 'The CDK AwsCustomResource function only writes its own CloudWatch Logs with this managed policy.');
    }
  }
}
