// SES receiving: our receipt rule set, one rule per route (recipients = the
// route's allow-list or its domains; spam/virus scan; TLS policy; S3 action
// that notifies the route's topic), and the custom resource that activates
// the set without silently replacing another team's active set.
// A route with recipientSync gets one DISABLED template rule here (its actions,
// scan and TLS policy; it matches nothing), `tmpl-<route>` under the logical id
// Template-<route>, and its matching rules are written outside CloudFormation
// from the pushed list (recipient-sync-rules.ts). The template's own id and name
// keep mail accepted when a route switches to sync: CloudFormation creates the
// template, the custom resource writes the synced rules, and only then, in the
// cleanup pass after every create and update, deletes the route's enabled
// `route-…` rules (their logical ids left the template). The reverse switch is
// the same in mirror: the new `route-…` rules are created before the custom
// resource removes the synced rules. A domain moving between routes in one
// deploy is covered by two passes of the custom resource: the gain pass runs
// before the static rules are updated and only adds (a synced route keeps the
// domains it is losing), the exact pass runs after every rule and drops them.
// While both match, SES applies both: the
// same S3 object is written twice and the route's queue gets two notifications
// with one message id, which the drain's ledger (per message id and recipient)
// delivers once.
import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, type IConstruct } from 'constructs';
import type { BackupMxConfig } from '../config/backup-mx-config.js';
import { receiptRuleChunks, receiptRuleName, syncTemplateRuleName } from '../config/receipt-rule-chunks.js';
import { BackupMxFunction, functionLogGroup } from './backup-mx-function.js';
import { CANARY_PREFIX, routePrefix } from './mail-bucket.js';
import { acceptFinding, arnInFinding, LAMBDA_BASIC_EXECUTION } from '../nag.js';
import type { RouteChannel } from './route-queues.js';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { RecipientSyncRules } from './recipient-sync-rules.js';

/** ARN pattern matching every rule of the named set (for aws:SourceArn conditions). */
export function receiptRuleArnPattern(scope: IConstruct, ruleSetName: string): string {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:ses:${stack.region}:${stack.account}:receipt-rule-set/${ruleSetName}:receipt-rule/*`;
}

/**
 * SES's S3 action with the topic, written out here so the bucket policy can
 * be exact (the stock action adds a broader statement of its own).
 */
class StoreAndNotify implements ses.IReceiptRuleAction {
  constructor(private readonly props: { bucket: s3.IBucket; prefix: string; channel: RouteChannel; waitFor: IConstruct[] }) {}

  bind(rule: Parameters<ses.IReceiptRuleAction['bind']>[0]): ses.ReceiptRuleActionConfig {
    // SES checks it may write and publish when the rule is created.
    for (const dependency of this.props.waitFor) rule.node.addDependency(dependency);
    return {
      s3Action: {
        bucketName: this.props.bucket.bucketName,
        objectKeyPrefix: this.props.prefix,
        topicArn: this.props.channel.topic.topicArn,
      },
    };
  }
}

/** The canary's receipt rule: no route's rule is named without the "route-" prefix. */
export const CANARY_RULE_NAME = 'canary';

export interface InboundRulesProps {
  config: BackupMxConfig;
  bucket: s3.Bucket;
  channels: RouteChannel[];
  /** Resources SES's permission checks depend on (bucket policy, topic policies, key). */
  permissions: IConstruct[];
  /** The state table: the synced lists' pointers (recipients#). */
  table: dynamodb.ITable;
}

export class InboundRules extends Construct {
  readonly ruleSet: ses.ReceiptRuleSet;
  readonly rules: ses.ReceiptRule[];
  readonly activation: CustomResource;
  readonly activationFunction: BackupMxFunction;
  readonly activationProvider: cr.Provider;
  /** Writes the synced routes' rules on every deploy that could undo them; absent when no route syncs. */
  readonly recipientSync?: RecipientSyncRules;

  constructor(scope: Construct, id: string, props: InboundRulesProps) {
    super(scope, id);
    this.ruleSet = new ses.ReceiptRuleSet(this, 'RuleSet', { receiptRuleSetName: props.config.ruleSet.name });
    // Synced routes' templates first in the set's `after` chain: the gain pass below depends on them and
    // the static route rules depend on the gain pass, so no template may come after a static rule.
    const templates = this.routeRules(props, 'templates');
    const statics = this.routeRules(props, 'static');
    this.rules = [...templates, ...statics, ...this.canaryRule(props)];
    const activation = this.activate(props.config);
    this.activationFunction = activation.fn;
    this.activationProvider = activation.provider;
    this.activation = activation.resource;
    // Activate only once every rule exists; on delete, deactivate before the rules go.
    for (const rule of this.rules) this.activation.node.addDependency(rule);
    if (props.config.routes.some((route) => route.recipientSync)) {
      this.recipientSync = new RecipientSyncRules(this, 'RecipientSync', {
        config: props.config,
        ruleSet: this.ruleSet,
        templates,
        rules: this.rules,
        bucket: props.bucket,
        table: props.table,
        channels: props.channels,
      });
      // A domain moving between routes stays matched: the gain pass adds it to a synced route before
      // CloudFormation's update takes it out of a static rule (and keeps it in the synced route it left
      // until the exact pass, after the static rules that gain it).
      for (const rule of statics) rule.node.addDependency(this.recipientSync.gain);
      // The synced rules exist before the set can become active.
      this.activation.node.addDependency(this.recipientSync.resource);
    }
  }

  /** One rule per 100 recipients (SES's limit); every rule of a route stores and notifies alike. */
  private routeRules(props: InboundRulesProps, which: 'templates' | 'static'): ses.ReceiptRule[] {
    const { config } = props;
    const channels = props.channels.filter((channel) => (channel.route.recipientSync !== undefined) === (which === 'templates'));
    return channels.flatMap((channel) => {
      const { name } = channel.route;
      // A synced route: one disabled template rule of its domains (the list lives outside the template),
      // under a logical id and name of its own (syncTemplateRuleName: why).
      const rules = channel.route.recipientSync
        ? [{ id: `Template-${name}`, ruleName: syncTemplateRuleName(name), recipients: channel.route.domains }]
        : receiptRuleChunks(channel.route).map((recipients, chunk) => ({ id: chunk === 0 ? `Rule-${name}` : `Rule-${name}-${chunk + 1}`, ruleName: receiptRuleName(name, chunk), recipients }));
      return rules.map(({ id, ruleName, recipients }) =>
        this.ruleSet.addRule(id, {
          receiptRuleName: ruleName,
          ...(channel.route.recipientSync ? { enabled: false } : {}),
          recipients,
          scanEnabled: true,
          tlsPolicy: config.tlsPolicy === 'require' ? ses.TlsPolicy.REQUIRE : ses.TlsPolicy.OPTIONAL,
          actions: [
            new StoreAndNotify({
              bucket: props.bucket,
              prefix: routePrefix(channel.route.name),
              channel,
              waitFor: [...props.permissions, channel.topic],
            }),
          ],
        }),
      );
    });
  }

  /**
   * The canary's own rule (one address, so SES refuses any other address of
   * its domain at RCPT): stored under its own prefix, announced on the first
   * route's topic, so it travels that route's topic, queue and drain.
   */
  private canaryRule(props: InboundRulesProps): ses.ReceiptRule[] {
    const { config } = props;
    const { canary } = config;
    const first = props.channels[0];
    if (!canary || !first) return [];
    return [
      this.ruleSet.addRule('Rule-canary', {
        receiptRuleName: CANARY_RULE_NAME,
        recipients: [canary.address],
        scanEnabled: true,
        tlsPolicy: config.tlsPolicy === 'require' ? ses.TlsPolicy.REQUIRE : ses.TlsPolicy.OPTIONAL,
        actions: [new StoreAndNotify({ bucket: props.bucket, prefix: CANARY_PREFIX, channel: first, waitFor: [...props.permissions, first.topic] })],
      }),
    ];
  }

  /** The custom resource that activates the set, its function and the CDK provider that calls it. */
  private activate(config: BackupMxConfig): { fn: BackupMxFunction; provider: cr.Provider; resource: CustomResource } {
    const activationFunction = new BackupMxFunction(this, 'ActivateRuleSet', {
      handler: 'activate-rule-set',
      description: 'backup-mx: activates the SES receipt rule set only when safe',
      timeout: Duration.minutes(1),
    });
    const fn = activationFunction.fn;
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        // These SES actions have no resource-level permissions.
        actions: ['ses:DescribeActiveReceiptRuleSet', 'ses:SetActiveReceiptRuleSet', 'ses:DescribeReceiptRuleSet'],
        resources: ['*'],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['cloudformation:DescribeStackResource'],
        resources: [Stack.of(this).stackId],
      }),
    );
    acceptFinding(
      activationFunction,
      'IAM5[Resource::*]',
      'DescribeActiveReceiptRuleSet, SetActiveReceiptRuleSet and DescribeReceiptRuleSet support no resource-level permissions.',
    );
    const provider = new cr.Provider(this, 'ActivationProvider', { onEventHandler: fn, logGroup: functionLogGroup(this, 'ActivationProviderLogs') });
    acceptFinding(
      provider,
      `IAM5[Resource::${arnInFinding(fn)}:*]`,
      'The CDK custom resource framework may invoke the activation function (and its versions); nothing else.',
    );
    acceptFinding(
      provider,
      `IAM4[${LAMBDA_BASIC_EXECUTION}]`,
      'The CDK custom resource framework function only writes its own CloudWatch Logs with this managed policy.',
    );
    const resource = new CustomResource(this, 'Activation', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::SesRuleSetActivation',
      properties: { RuleSetName: config.ruleSet.name, Activation: config.ruleSet.activation },
    });
    return { fn: activationFunction, provider, resource };
  }
}
