// The custom resource that writes the synced routes' receipt rules
// (`sync-<route>-<n>`) from the stored lists after CloudFormation wrote its own
// rules, and the separate rule writer a push asks (recipient-rule-writer.ts).
// The custom resource's properties carry everything the synced rules depend on
// (the set, each synced route's domains, budget and seed, and the template
// rules' name, bucket, prefix, topic and TLS policy), so CloudFormation calls it
// on every deploy that could undo a push or leave the rules with stale actions.
import { CustomResource, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as ses from 'aws-cdk-lib/aws-ses';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { BackupMxConfig } from '../config/backup-mx-config.js';
import { syncedRouteProperty, syncedRoutes } from '../config/recipient-sync.js';
import { syncTemplateRuleName } from '../config/receipt-rule-chunks.js';
import { RECIPIENT_LISTS_PREFIX } from '../../lambdas/config/mail-layout.js';
import { routeTableDigest } from '../../lambdas/config/route-table.js';
import { deployedRoute } from '../../lambdas/config/settings-from-config.js';
import { RECIPIENTS_KEY_PREFIX } from '../../lambdas/config/table-layout.js';
import type { RecipientSyncProperties } from '../../lambdas/handlers/recipient-sync-deploy.js';
import { acceptFinding, arnInFinding, LAMBDA_BASIC_EXECUTION } from '../nag.js';
import { BackupMxFunction, functionLogGroup } from './backup-mx-function.js';
import { routePrefix } from './mail-bucket.js';
import type { RouteChannel } from './route-queues.js';
import { tableStatements } from './table-access.js';

/** Writing 200 rules at SES's one call a second takes about 3.5 minutes; Lambda's ceiling leaves room for throttling. */
export const RECIPIENT_SYNC_TIMEOUT = Duration.minutes(15);
/**
 * How long CloudFormation waits for the custom resource's answer (ServiceTimeout, 1-3600 s; default 3600).
 * The deploy's function ends well inside its 15 minutes (lease wait + write) and the CDK provider's
 * framework function (also 15 minutes) answers for it, FAILED included; only when both die unanswered does
 * CloudFormation wait, and then this long instead of an hour before it fails the resource and rolls back.
 */
export const RECIPIENT_SYNC_SERVICE_TIMEOUT = Duration.minutes(20);
export const RECIPIENT_SYNC_RESOURCE_TYPE = 'Custom::RecipientSync';

export interface RecipientSyncRulesProps {
  config: BackupMxConfig;
  ruleSet: ses.ReceiptRuleSet;
  /** The synced routes' disabled template rules: the gain pass waits only for them (and the set). */
  templates: ses.ReceiptRule[];
  /** Every rule CloudFormation writes: the exact pass runs after all of them. */
  rules: ses.ReceiptRule[];
  bucket: s3.IBucket;
  table: dynamodb.ITable;
  channels: RouteChannel[];
}

export class RecipientSyncRules extends Construct {
  /** The custom resource's function: invoked only by the CDK provider (CloudFormation's events). */
  readonly fn: BackupMxFunction;
  /** The rule writer a push asks (`{ applyRules: <route> }` only, the route from the route table): the one function the push may invoke. */
  readonly writer: BackupMxFunction;
  /** The exact pass: after every rule; writes each synced route's list exactly and drops what left (kept logical id 'Resource'). */
  readonly resource: CustomResource;
  /** The gain pass: before the static route rules' updates; adds only (see recipient-sync-deploy.ts, phases). */
  readonly gain: CustomResource;

  constructor(scope: Construct, id: string, props: RecipientSyncRulesProps) {
    super(scope, id);
    const { config } = props;
    // Two functions with the same grants, so the public push function can invoke only the one that
    // trusts nothing in its event: SES's receipt-rule actions cannot be scoped, the event is the boundary.
    this.fn = this.ruleWritingFunction('Writer', 'recipient-sync-deploy', 'backup-mx: writes the synced routes\' SES receipt rules from the stored lists on deploy (custom resource)', props);
    this.writer = this.ruleWritingFunction('PushWriter', 'recipient-rule-writer', 'backup-mx: writes one synced route\'s SES receipt rules after a push (event { applyRules: route } only)', props);
    const fn = this.fn.fn;
    // The deploy alone may delete a list's pointer: it retires the list of a route that stops syncing
    // (recipient-sync-deploy.ts); the push's writer never does.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:DeleteItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${RECIPIENTS_KEY_PREFIX}*`] } },
      }),
    );
    const provider = new cr.Provider(this, 'Provider', { onEventHandler: fn, logGroup: functionLogGroup(this, 'ProviderLogs') });
    acceptFinding(provider, `IAM5[Resource::${arnInFinding(fn)}:*]`, 'The CDK custom resource framework may invoke the recipient-sync function (and its versions); nothing else.');
    acceptFinding(provider, `IAM4[${LAMBDA_BASIC_EXECUTION}]`, 'The CDK custom resource framework function only writes its own CloudWatch Logs with this managed policy.');

    const synced = syncedRoutes(config.routes);
    const channelOf = new Map(props.channels.map((c) => [c.route.name, c]));
    const properties: RecipientSyncProperties = {
      RuleSetName: config.ruleSet.name,
      TableName: props.table.tableName,
      BucketName: props.bucket.bucketName,
      // Its size, seeds included, is checked with the config (recipient-sync.ts, RECIPIENT_SYNC_EVENT_MAX_BYTES).
      Routes: synced.map(syncedRouteProperty),
      // What the template rules hand the synced rules: a change here re-runs the resource.
      Template: synced.map((route) => ({
        Route: route.name,
        Rule: syncTemplateRuleName(route.name),
        Bucket: props.bucket.bucketName,
        Prefix: routePrefix(route.name),
        Topic: channelOf.get(route.name)!.topic.topicArn,
        TlsPolicy: config.tlsPolicy,
      })),
      // The digest the functions carry (route-table.ts, from the same routes): recorded on the writers' lease.
      RouteTableDigest: routeTableDigest(props.channels.map((c) => deployedRoute(c.route, config))),
    };
    // Two passes of the same handler (the Phase property): the gain pass depends only on the set and the
    // templates, and the static route rules depend on it (inbound-rules.ts), so a domain moving into a
    // synced route is matched there before a static rule lets it go; the exact pass depends on every rule.
    this.gain = new CustomResource(this, 'Gain', {
      serviceToken: provider.serviceToken,
      resourceType: RECIPIENT_SYNC_RESOURCE_TYPE,
      serviceTimeout: RECIPIENT_SYNC_SERVICE_TIMEOUT,
      properties: { ...properties, Phase: 'gain' } as unknown as Record<string, unknown>,
    });
    // The set's own resource only: the rules are the set construct's children, so the construct would mean every rule.
    this.gain.node.addDependency(props.ruleSet.node.defaultChild!);
    for (const rule of props.templates) this.gain.node.addDependency(rule);
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: RECIPIENT_SYNC_RESOURCE_TYPE,
      serviceTimeout: RECIPIENT_SYNC_SERVICE_TIMEOUT,
      properties: { ...properties, Phase: 'exact' } as unknown as Record<string, unknown>,
    });
    this.resource.node.addDependency(props.ruleSet);
    this.resource.node.addDependency(this.gain);
    for (const rule of props.rules) this.resource.node.addDependency(rule);
  }

  /** A function that may write receipt rules, the recipients# pointers and the list bodies, and no mail. */
  private ruleWritingFunction(id: string, handler: 'recipient-sync-deploy' | 'recipient-rule-writer', description: string, props: RecipientSyncRulesProps): BackupMxFunction {
    const writer = new BackupMxFunction(this, id, { handler, description, timeout: RECIPIENT_SYNC_TIMEOUT });
    const fn = writer.fn;
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        // These SES receipt-rule actions have no resource-level permissions.
        actions: ['ses:DescribeReceiptRule', 'ses:DescribeReceiptRuleSet', 'ses:CreateReceiptRule', 'ses:UpdateReceiptRule', 'ses:DeleteReceiptRule'],
        resources: ['*'],
      }),
    );
    for (const statement of tableStatements(props.table, 'recipients')) fn.addToRolePolicy(statement);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [props.bucket.arnForObjects(`${RECIPIENT_LISTS_PREFIX}*`)],
      }),
    );
    // Listing only the lists' prefix: the writer prunes bodies the push function (no s3:DeleteObject) left behind.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${RECIPIENT_LISTS_PREFIX}*`] } },
      }),
    );
    acceptFinding(writer, 'IAM5[Resource::*]', 'The SES receipt-rule actions (Describe/Create/Update/DeleteReceiptRule, DescribeReceiptRuleSet) support no resource-level permissions.');
    acceptFinding(writer, `IAM5[Resource::${arnInFinding(props.bucket)}/${RECIPIENT_LISTS_PREFIX}*]`, 'Only the synced recipient lists\' bodies (recipient-lists/), never mail.');
    return writer;
  }
}
