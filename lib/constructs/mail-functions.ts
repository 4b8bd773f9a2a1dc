// The three engine Lambdas and what each may touch:
//   probe  (every minute) checks primaries, starts a drain when mail waits;
//   drain  (async, { route, mode }) delivers one route's queue;
//   accept (subscribed to every route topic) indexes new messages.
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_SMTP_TIMEOUT_MS, drainReserveSeconds, settingsToEnv } from '../../lambdas/config/settings.js';
import { type ConfigSettings, PROBE_CONDITION_KEYS, pickSettings, settingsFromConfig, TUNING_KEYS } from '../../lambdas/config/settings-from-config.js';
import { noticeFromAddress } from '../../lambdas/core/outcome/dsn.js';
import type { BackupMxConfig } from '../config/backup-mx-config.js';
import type { NoticeSending } from './notice-sending.js';
import { BackupMxFunction, type BackupMxFunctionProps } from './backup-mx-function.js';
import type { EgressVpc } from './egress-vpc.js';
import { MAIL_PREFIX } from './mail-bucket.js';
import { FIND_ORPHANED_QUEUES_TASK, FIND_UNQUEUED_TASK } from '../../lambdas/config/scheduled-tasks.js';
import { ROUTE_TABLE_DIGEST_VARIABLE, RouteTable } from './route-table.js';
import type { RouteChannel } from './route-queues.js';

export const DRAIN_TIMEOUT = Duration.minutes(10);
/**
 * One full vCPU (Lambda gives CPU in proportion to memory: 1,769 MB = 1 vCPU).
 * The drain is CPU-bound below that: `npm run bench` measured about four times
 * the rate of 512 MB (0.29 vCPU) for about the same GB-seconds per message
 * (docs/performance.md); a backlog reaches the primary in a quarter of the time.
 */
export const DRAIN_MEMORY_MB = 1_769;
export const PROBE_TIMEOUT = Duration.seconds(90);
/** The SMTP reply timeout the Lambdas get (the drain sizes its time budget from it). */
export const SMTP_TIMEOUT_MS = DEFAULT_SMTP_TIMEOUT_MS;
/** Time a drain must have for taking messages, after keeping back one SMTP wait and a margin. */
export const MIN_DRAIN_WORK_SECONDS = 120;

export class DrainTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DrainTimeoutError';
  }
}

/**
 * The drain stops taking messages drainReserveSeconds() before Lambda would
 * stop it, so the last one can wait out its final reply; fail synth if that
 * leaves the drain (nearly) no time to deliver.
 */
export function checkDrainTimeout(timeout: Duration, smtpTimeoutMs: number): void {
  const reserve = drainReserveSeconds({ smtpTimeoutMs });
  if (timeout.toSeconds() - reserve < MIN_DRAIN_WORK_SECONDS) {
    throw new DrainTimeoutError(
      `drain timeout ${timeout.toSeconds()} s: the drain keeps back ${reserve} s (SMTP timeout ${smtpTimeoutMs / 1000} s ` +
        `plus a margin) and needs at least ${MIN_DRAIN_WORK_SECONDS} s more to deliver`,
    );
  }
}

export interface MailFunctionsProps {
  config: BackupMxConfig;
  bucket: s3.IBucket;
  table: dynamodb.ITable;
  channels: RouteChannel[];
  deadLetterQueue: sqs.IQueue;
  egress?: EgressVpc;
  /** The SES configuration set every DSN and delay warning goes through. */
  notices: NoticeSending;
}

/** What every engine function is built from: the props, the VPC placement, the tuning environment, the route queues. */
interface CommonBindings {
  props: MailFunctionsProps;
  vpc: BackupMxFunctionProps['vpc'];
  tuning: Record<string, string>;
  routes: RouteTable['routeQueues'];
  /** The primaries' AUTH secrets: the drain delivers with them, the probe checks them. */
  secretNames: string[];
}

export class MailFunctions extends Construct {
  readonly probe: BackupMxFunction;
  readonly drain: BackupMxFunction;
  readonly accept: BackupMxFunction;
  readonly schedule: events.Rule;
  readonly unqueuedSchedule: events.Rule;
  readonly routeTable: RouteTable;

  constructor(scope: Construct, id: string, props: MailFunctionsProps) {
    super(scope, id);
    const { config, channels } = props;
    // The engine's settings, as the local runner builds them too; each function's environment carries its part.
    const settings = settingsFromConfig(config, {
      tableName: props.table.tableName,
      bucketName: props.bucket.bucketName,
      deadLetterQueueUrl: props.deadLetterQueue.queueUrl,
      queueUrlOf: (name) => channels.find(({ route }) => route.name === name)!.queue.queueUrl,
    });
    checkDrainTimeout(DRAIN_TIMEOUT, settings.smtpTimeoutMs);
    this.routeTable = new RouteTable(this, 'RouteTable', { table: props.table, channels, config });
    const common: CommonBindings = {
      props,
      vpc: props.egress && { vpc: props.egress.vpc, securityGroup: props.egress.securityGroup },
      tuning: settingsToEnv(pickSettings(settings, TUNING_KEYS)),
      routes: this.routeTable.routeQueues,
      secretNames: channels.flatMap(({ route }) => (route.primary.authSecretName ? [route.primary.authSecretName] : [])),
    };
    this.drain = this.drainFunction(common);
    this.probe = this.probeFunction(common, settings);
    this.accept = this.acceptFunction(common);
    // Accept measures the canary and the drain drops it; both know it by its address and the key in the table.
    if (config.canary && settings.canaryRoute) {
      for (const fn of [this.accept, this.drain]) fn.bindCanary(config.canary, settings.canaryRoute);
    }
    // The item must exist before any function runs.
    for (const fn of [this.drain, this.probe, this.accept]) {
      fn.fn.node.addDependency(this.routeTable.resource);
      fn.setEnvironment({ [ROUTE_TABLE_DIGEST_VARIABLE]: this.routeTable.digest });
    }
    this.unqueuedSchedule = this.hourlySchedule();
    this.schedule = new events.Rule(this, 'ProbeSchedule', {
      description: 'backup-mx: probe the primaries every minute',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.probe.fn, { retryAttempts: 0 })],
    });
  }

  private drainFunction({ props, vpc, tuning, routes, secretNames }: CommonBindings): BackupMxFunction {
    // The drain alone seals: only it reads the ARC keys.
    const arcKeyNames = props.channels.flatMap(({ route }) => (route.arc ? [route.arc.keySecretName] : []));
    const drain = new BackupMxFunction(this, 'Drain', {
      handler: 'drain',
      description: 'backup-mx: delivers one route queue to its primary by SMTP',
      timeout: DRAIN_TIMEOUT,
      memorySize: DRAIN_MEMORY_MB,
      vpc,
    })
      .setEnvironment(tuning)
      .bindRoutes(routes, 'consume')
      .bindTable(props.table, 'drain')
      .bindMailObjects(props.bucket, MAIL_PREFIX, 'read') // reads and lists; objects expire by lifecycle
      .bindDeadLetterQueue(props.deadLetterQueue, 'send')
      .bindSecrets([...new Set([...secretNames, ...arcKeyNames])])
      .bindNoticeSending(props.notices.configurationSet, 'send', noticeFromAddress(props.config.hostname))
      .bindSelfInvoke()
      .bindQueueWatch();
    // The probe starts a fresh drain every minute while mail waits: no retries needed.
    drain.fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(5) });
    return drain;
  }

  private probeFunction({ props, vpc, tuning, routes, secretNames }: CommonBindings, settings: ConfigSettings): BackupMxFunction {
    const probe = new BackupMxFunction(this, 'Probe', {
      handler: 'probe',
      description: 'backup-mx: checks each primary by SMTP and starts drains',
      timeout: PROBE_TIMEOUT,
      vpc,
    })
      .setEnvironment(tuning)
      .bindRoutes(routes, 'attributes')
      .bindTable(props.table, 'probe')
      .bindMailObjects(props.bucket, MAIL_PREFIX, 'none')
      .bindDeadLetterQueue(props.deadLetterQueue, 'none')
      .bindSecrets(secretNames)
      .bindDrain(this.drain)
      // What the probe evaluates its conditions against (core/problems): the alarms' thresholds, and the canary's interval when one is sent.
      .setEnvironment(settingsToEnv(pickSettings(settings, PROBE_CONDITION_KEYS)));
    // The dead-letter queue's depth (the stack condition dead-letter-queue): counts only, never a message.
    props.deadLetterQueue.grant(probe.fn, 'sqs:GetQueueAttributes');
    // A late run must not overlap the next scheduled one: Lambda's 2 async retries are off (the schedule is the retry).
    probe.fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(1) });
    return probe;
  }

  private acceptFunction({ props, tuning, routes }: CommonBindings): BackupMxFunction {
    const accept = new BackupMxFunction(this, 'Accept', {
      handler: 'accept',
      description: 'backup-mx: indexes each message SES accepted (mailq, status)',
      timeout: Duration.seconds(30),
    })
      .setEnvironment(tuning)
      .bindRoutes(routes, 'none')
      .bindTable(props.table, 'accept') // AcceptMessage only adds summaries and envelopes
      .bindMailObjects(props.bucket, MAIL_PREFIX, 'read') // HeadObject needs s3:GetObject
      .bindDeadLetterQueue(props.deadLetterQueue, 'none');
    for (const { topic } of props.channels) topic.addSubscription(new subscriptions.LambdaSubscription(accept.fn));
    return accept;
  }

  /**
   * Mail SES stored whose notification never came (SES gives up after 4 h) is
   * found here: the drain may list the mail prefix and writes dead letters.
   * The same rule starts the watch on old queues no route uses, in its own
   * invocation, so neither task can hold up or fail the other.
   */
  private hourlySchedule(): events.Rule {
    const hourly = (task: string) =>
      new targets.LambdaFunction(this.drain.fn, { retryAttempts: 0, event: events.RuleTargetInput.fromObject({ task }) });
    return new events.Rule(this, 'FindUnqueuedSchedule', {
      description: 'backup-mx: hourly, dead-letter stored mail that never reached a queue; alarm on old queues still holding mail',
      schedule: events.Schedule.rate(Duration.hours(1)),
      targets: [hourly(FIND_UNQUEUED_TASK), hourly(FIND_ORPHANED_QUEUES_TASK)],
    });
  }

  get all(): BackupMxFunction[] {
    return [this.probe, this.drain, this.accept];
  }
}
