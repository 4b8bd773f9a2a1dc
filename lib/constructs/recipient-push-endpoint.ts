// The recipient push endpoint: its own Lambda function URL (AuthType NONE: the
// primary has no AWS credentials), where the primary POSTs a synced route's
// valid addresses, signed with the route's push key (core/recipients/
// push-signature.ts). Its own function rather than the trigger's, so each keeps
// only its grants: this one reads the stack's push key item (never the
// trigger's key, which every primary calling the trigger holds) and the route table,
// reads and writes the lists (recipients# pointers, recipient-lists/ bodies)
// and may invoke the rule writer; it holds no SES permission at all. SES's
// receipt-rule actions take no resource-level permissions, so a grant to write
// our rules would let a public function rewrite or delete every rule set of
// the account: the rules are written by the private rule writer
// (recipient-rule-writer.ts), invoked asynchronously with the route's name
// only; it takes nothing else, and the push may not invoke the deploy's
// custom resource function, which takes its set and routes from its event.
import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { RECIPIENT_LISTS_PREFIX } from '../../lambdas/config/mail-layout.js';
import { ENV } from '../../lambdas/config/settings.js';
import { pushBodyLimit } from '../../lambdas/core/recipients/push-limits.js';
import type { BackupMxConfig } from '../config/backup-mx-config.js';
import { syncedRoutes } from '../config/recipient-sync.js';
import { acceptFinding, arnInFinding } from '../nag.js';
import { BackupMxFunction } from './backup-mx-function.js';
import type { RouteTable } from './route-table.js';
import type { TriggerConcurrency } from './trigger-concurrency.js';

export interface RecipientPushEndpointProps {
  config: Pick<BackupMxConfig, 'trigger' | 'routes' | 'ruleSet'>;
  table: dynamodb.ITable;
  bucket: s3.IBucket;
  /** The private rule writer (RecipientSyncRules.writer): invoked with a route's name after a push is stored. */
  writer: BackupMxFunction;
  routeTable: RouteTable;
  /** The trigger's reservation construct: the push gets its executions reserved the same way (trigger.reservedConcurrency). */
  concurrency?: TriggerConcurrency;
}

export class RecipientPushEndpoint extends Construct {
  readonly fn: BackupMxFunction;
  readonly url: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: RecipientPushEndpointProps) {
    super(scope, id);
    const synced = syncedRoutes(props.config.routes);
    this.fn = new BackupMxFunction(this, 'Push', {
      handler: 'recipient-push',
      description: 'backup-mx: a synced route\'s recipient list pushed by its primary (HMAC-signed function URL): stores it, asks the rule writer',
      timeout: Duration.seconds(30),
    })
      .setEnvironment({
        [ENV.bucketName]: props.bucket.bucketName,
        [ENV.routeTableDigest]: props.routeTable.digest,
        [ENV.ruleWriterFunctionName]: props.writer.fn.functionName,
        // The cap checked before the signature: the largest synced route's.
        [ENV.pushMaxBodyBytes]: String(Math.max(...synced.map((route) => pushBodyLimit(route.maxAddresses)))),
      })
      .bindTable(props.table, 'recipient-push');
    const fn = this.fn.fn;
    fn.node.addDependency(props.routeTable.resource);
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [props.bucket.arnForObjects(`${RECIPIENT_LISTS_PREFIX}*`)] }));
    acceptFinding(this.fn, `IAM5[Resource::${arnInFinding(props.bucket)}/${RECIPIENT_LISTS_PREFIX}*]`, 'Only the synced recipient lists\' bodies (recipient-lists/), never mail.');
    props.writer.fn.grantInvoke(fn);
    acceptFinding(this.fn, `IAM5[Resource::${arnInFinding(props.writer.fn)}:*]`, 'CDK grants invoke on the rule writer and its versions; it is one function.');

    // The writer's push pass reads the route from the table this deploy wrote.
    // (Its 'recipients' table access includes reading the route table item.)
    props.writer.setEnvironment({
      [ENV.tableName]: props.table.tableName,
      [ENV.routeTableDigest]: props.routeTable.digest,
      [ENV.bucketName]: props.bucket.bucketName,
      [ENV.ruleSetName]: props.config.ruleSet.name,
    });

    // A flood of calls takes at most these executions from the account (as for the trigger; 0 switches the push off too).
    const reserved = props.config.trigger.reservedConcurrency;
    if (props.concurrency && reserved !== 'none') {
      props.concurrency.reserveFor('PushReservation', this.fn, reserved, 'RecipientPushConcurrency', 'Reserved concurrency of the recipient push function (NOT RESERVED: what to do)');
    }

    // NONE: the primary has no AWS credentials to sign with SigV4; the function checks the HMAC first.
    this.url = fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    new CfnOutput(scope, 'RecipientRuleWriterName', { description: 'The function that writes synced routes\' receipt rules (backup-mx recipients push asks it after storing a list)', value: props.writer.fn.functionName });
    new CfnOutput(scope, 'RecipientPushUrl', { description: 'Recipient push endpoint: POST <url>/<route>/recipients, HMAC-signed (backup-mx recipients push-command prints the command)', value: this.url.url });
  }
}
