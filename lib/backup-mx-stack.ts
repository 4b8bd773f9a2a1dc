// The whole backup MX in one stack, built from the checked backupMx context.
import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { BackupMxConfig } from './config/backup-mx-config.js';
import { sesInboundEndpoint } from './config/ses-receiving-regions.js';
import { canaryMxRecord } from '../lambdas/core/canary/canary-mx.js';
import { checkAwsLimits } from './checks/aws-limits.js';
import { DeployCheckError, deployProblems, forwardClientWarnings } from './checks/deploy-checks.js';
import { recipientSyncSwitchWarnings } from './config/recipient-sync.js';
import { EgressVpc } from './constructs/egress-vpc.js';
import { InboundRules, receiptRuleArnPattern } from './constructs/inbound-rules.js';
import { MailBucket } from './constructs/mail-bucket.js';
import { NoticeSending } from './constructs/notice-sending.js';
import { backscatterRisks, backscatterWarning } from './config/backscatter-check.js';
import { DRAIN_TIMEOUT, MailFunctions } from './constructs/mail-functions.js';
import { alarmSourceConditions, Monitoring } from './constructs/monitoring.js';
import { RouteQueues } from './constructs/route-queues.js';
import { StateTable } from './constructs/state-table.js';
import { RecipientPushEndpoint } from './constructs/recipient-push-endpoint.js';
import type { BackupMxFunction } from './constructs/backup-mx-function.js';
import { TriggerEndpoint } from './constructs/trigger-endpoint.js';
import { Canary } from './constructs/canary.js';

/**
 * Output ids are used as logical ids as they are, minus anything not
 * alphanumeric, so `r1`+`10` and `r11`+`0` (or `a-b` and `ab`) would collide.
 * Route names are lower case, so an upper-case escape for "-" keeps them apart.
 */
export function routeOutputId(prefix: string, routeName: string): string {
  return `${prefix}${routeName.replace(/-/g, 'D')}`;
}

/** KMS's shortest wait before a key scheduled for deletion is gone (7 to 30 days). */
export const TOPIC_KEY_PENDING_WINDOW = Duration.days(7);

/** Our MX preference: the primary keeps a lower number and is tried first. */
export const BACKUP_MX_PREFERENCE = 20;

export interface BackupMxStackProps extends StackProps {
  config: BackupMxConfig;
}

export class BackupMxStack extends Stack {
  readonly config: BackupMxConfig;

  constructor(scope: Construct, id: string, props: BackupMxStackProps) {
    const { config } = props;
    super(scope, id, {
      description: 'backup-mx: serverless secondary MX (SES receiving, SQS queue, SMTP delivery to the primary)',
      ...props,
      env: { account: props.env?.account, region: config.region },
    });
    this.config = config;
    const ruleArns = this.checkConfig(config);
    const topicKey = config.encryptTopics ? this.topicKey() : undefined;

    const mail = new MailBucket(this, 'Mail', { queueLifetimeDays: config.queueLifetimeDays, sesRuleArnPattern: ruleArns });
    const state = new StateTable(this, 'State');
    const queues = new RouteQueues(this, 'Routes', {
      routes: config.routes,
      ...(topicKey ? { topicKey } : {}),
      visibilityTimeout: DRAIN_TIMEOUT.plus(Duration.minutes(5)),
      sesRuleArnPattern: ruleArns,
    });
    const inbound = new InboundRules(this, 'Inbound', {
      config,
      bucket: mail.bucket,
      channels: queues.channels,
      permissions: [mail.policy, ...(topicKey ? [topicKey] : [])],
      table: state.table,
    });
    const egress =
      config.egress === 'none'
        ? undefined
        : new EgressVpc(this, 'Egress', {
            mode: config.egress,
            ...(config.elasticIpAllocationId !== undefined ? { elasticIpAllocationId: config.elasticIpAllocationId } : {}),
          });
    const notices = new NoticeSending(this, 'Notices');
    const functions = new MailFunctions(this, 'Functions', {
      config,
      notices,
      bucket: mail.bucket,
      table: state.table,
      channels: queues.channels,
      deadLetterQueue: queues.deadLetterQueue,
      egress,
    });
    const trigger = new TriggerEndpoint(this, 'Trigger', { config, table: state.table, probe: functions.probe, routeTable: functions.routeTable });
    // Only with a synced route: the primary's push of its list, written as rules by the rule writer (not the deploy's function).
    if (inbound.recipientSync) {
      new RecipientPushEndpoint(this, 'RecipientPush', { config, table: state.table, bucket: mail.bucket, writer: inbound.recipientSync.writer, routeTable: functions.routeTable, ...(trigger.concurrency ? { concurrency: trigger.concurrency } : {}) });
    }
    const canary = config.canary ? new Canary(this, 'Canary', { canary: config.canary, table: state.table }) : undefined;
    const monitoring = this.monitoring({ queues, functions, trigger, notices, canary, topicKey, inbound });

    this.addOutputs(mail, state, queues, monitoring, egress);
    this.addOperatorOutputs(functions, notices, inbound);
    checkAwsLimits(this);
  }

  /**
   * Refuses a config the deploy checks reject, warns about risky ones, and
   * returns the receipt rule ARNs SES writes and publishes for: our set's
   * rules, and the user's own set's when they copy our rules there
   * (activation "never" with a hostRuleSet).
   */
  private checkConfig(config: BackupMxConfig): string | string[] {
    const problems = deployProblems(config);
    if (problems.length > 0) throw new DeployCheckError(problems);
    const ruleArns = config.ruleSet.hostRuleSet
      ? [receiptRuleArnPattern(this, config.ruleSet.name), receiptRuleArnPattern(this, config.ruleSet.hostRuleSet)]
      : receiptRuleArnPattern(this, config.ruleSet.name);
    if (config.ruleSet.activation === 'never' && !config.ruleSet.hostRuleSet) {
      Annotations.of(this).addWarningV2(
        'backup-mx:never-without-host-set',
        'ruleSet.activation is "never" but ruleSet.hostRuleSet is not set: rules copied into your own active set could not write to the bucket or publish to the topics. Name that set in ruleSet.hostRuleSet, or activate our set yourself.',
      );
    }

    for (const { route, message } of forwardClientWarnings(config)) Annotations.of(this).addWarningV2(`backup-mx:forward-client-egress:${route}`, message);
    for (const { route, message } of recipientSyncSwitchWarnings(config)) Annotations.of(this).addWarningV2(`backup-mx:recipient-sync-switch:${route}`, message);
    for (const risk of backscatterRisks(config)) {
      const route = config.routes.find((r) => r.name === risk.route)!;
      Annotations.of(this).addWarningV2(`backup-mx:backscatter:${risk.route}`, backscatterWarning(risk, route.dsnPerHour ?? config.dsnPerHour));
    }
    return ruleArns;
  }

  private monitoring(parts: {
    queues: RouteQueues;
    functions: MailFunctions;
    trigger: TriggerEndpoint;
    notices: NoticeSending;
    canary: Canary | undefined;
    topicKey: kms.Key | undefined;
    inbound: InboundRules;
  }): Monitoring {
    const { queues, functions, trigger, notices, canary, topicKey, inbound } = parts;
    return new Monitoring(this, 'Monitoring', {
      config: this.config,
      channels: queues.channels,
      deadLetterQueue: queues.deadLetterQueue,
      functions: [
        { name: 'probe', fn: functions.probe },
        { name: 'drain', fn: functions.drain },
        { name: 'accept', fn: functions.accept },
        // Refused calls (bad signature, held route, primary not answering) are answers, not errors:
        // an error here is the "I'm back" path itself failing (or its route table refused).
        { name: 'trigger', fn: trigger.fn },
        { name: 'pause-notices', fn: notices.pause },
        ...(canary ? [{ name: 'canary', fn: canary.sender }] : []),
        // A stored list it could not apply (unreadable, over budget) is an ERROR line: the rules were kept.
        ...(inbound.recipientSync
          ? [
              { name: 'recipient-sync', fn: inbound.recipientSync.fn },
              { name: 'recipient-rule-writer', fn: inbound.recipientSync.writer },
            ]
          : []),
      ],
      probe: functions.probe,
      trigger: trigger.fn,
      ...(topicKey ? { topicKey } : {}),
      notices,
      ...(inbound.recipientSync ? { ruleWriter: inbound.recipientSync.writer } : {}),
    });
  }

  /** The backup-mx command finds the drain (its settings and `flush`) and the rule set (`doctor`) by these. */
  private addOperatorOutputs(functions: MailFunctions, notices: NoticeSending, inbound: InboundRules): void {
    const { config } = this;
    new CfnOutput(this, 'DrainFunctionName', { value: functions.drain.fn.functionName });
    new CfnOutput(this, 'NoticeConfigurationSetName', { description: 'The SES configuration set every DSN goes through (its alarms pause it; `backup-mx notices resume`)', value: notices.configurationSet.name });
    new CfnOutput(this, 'NoticeAlarmNames', { description: 'The reputation alarms that pause it: `backup-mx notices resume` refuses while one is in ALARM', value: [notices.alarmNames.bounce, notices.alarmNames.complaint].join(',') });
    new CfnOutput(this, 'ReceiptRuleSetName', { value: inbound.ruleSet.receiptRuleSetName });
    if (config.canary) {
      new CfnOutput(this, 'CanaryMxRecord', {
        description: 'The canary domain\'s only MX record: add it, or the canary never arrives and StackProblems fires (canary-missing) (`backup-mx doctor` checks it)',
        value: canaryMxRecord(config.canary.domain, sesInboundEndpoint(config.region)),
      });
    }
    if (config.ruleSet.hostRuleSet) {
      new CfnOutput(this, 'HostRuleSetName', { description: 'Your own active rule set our rules are copied into (doctor checks it)', value: config.ruleSet.hostRuleSet });
    }
    // After every deploy that touched activation: "NOT ACTIVE: ..." when another set kept it.
    new CfnOutput(this, 'ReceiptRuleSetStatus', {
      description: 'Whether our receipt rule set is the active one (only one set is active per region)',
      value: inbound.activation.getAttString('Status'),
    });
  }

  /**
   * The customer managed key of the SNS topics (`encryptTopics`). SES and
   * CloudWatch cannot publish to a topic under the AWS managed aws/sns key
   * (its policy cannot name them), so encryption at rest needs a key of our
   * own ($1 a month). Only the topics use it, and they go with the stack (the
   * queues, which are kept, use SQS's own encryption): scheduled for deletion
   * with the stack.
   */
  private topicKey(): kms.Key {
    const key = new kms.Key(this, 'TopicKey', {
      description: 'backup-mx: encrypts the route and alarm SNS topics',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: TOPIC_KEY_PENDING_WINDOW,
    });
    // SES publishes the notifications; CloudWatch publishes alarms.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowSesToPublishEncrypted',
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    // CloudWatch needs the key to publish to the encrypted alarm topic; only for this stack's alarms.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublishEncrypted',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: alarmSourceConditions(this),
      }),
    );
    return key;
  }

  private addOutputs(
    mail: MailBucket,
    state: StateTable,
    queues: RouteQueues,
    monitoring: Monitoring,
    egress: EgressVpc | undefined,
  ): void {
    const endpoint = sesInboundEndpoint(this.config.region);
    // One output per route (CloudFormation allows 200), with an id no other route can produce.
    for (const { route } of queues.channels) {
      new CfnOutput(this, routeOutputId('MxRecords', route.name), {
        description: `MX records of route ${route.name}: add each; keep your primary's MX at a lower number (e.g. 10) so it stays first`,
        value: route.domains.map((domain) => `${domain} MX ${BACKUP_MX_PREFERENCE} ${endpoint}`).join('; '),
      });
    }
    new CfnOutput(this, 'MailBucketName', { description: 'Raw mail, under mail/<route>/', value: mail.bucket.bucketName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: queues.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'TableName', { description: 'Health, leases, ledger and message index', value: state.table.tableName });
    if (monitoring.dashboardUrl) new CfnOutput(this, 'DashboardUrl', { value: monitoring.dashboardUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: monitoring.alarmTopic.topicArn });
    if (monitoring.channels.topicArns.length > 0) {
      // doctor reads each one's policy: may CloudWatch publish to it for this stack's alarms?
      new CfnOutput(this, 'AlarmChannelTopicArns', { description: 'Your own topics every alarm publishes to (alarms.topicArns)', value: monitoring.channels.topicArns.join(',') });
    }
    if (egress) {
      if (egress.elasticIp) {
        new CfnOutput(this, 'EgressIp', {
          description: 'Fixed source IP of SMTP deliveries: use it in the AWS port-25 request and the primary allow-list (kept when the stack is deleted)',
          value: egress.elasticIp.ref,
        });
      }
      new CfnOutput(this, 'EgressIpAllocationId', {
        description: 'Allocation of the egress Elastic IP: put it in egress.elasticIpAllocationId to keep the same IP in a new stack',
        value: egress.allocationId,
      });
    }
  }
}
