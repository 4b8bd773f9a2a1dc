// The composition root: every dependency of the engine, built from one
// Settings object and a platform (the AWS clients of a Lambda, of the local
// emulators, of a test). The Lambdas, `npm start`, the CLI and the bench all
// come through here; what the runner and the CLI watch (counted transports,
// a narrated probe and route state) is wrapped in while building, never
// patched in afterwards, so no program's engine can differ by construction.
// (The public trigger, which builds no engine, has its own: compose-trigger.ts.)
import type { AwsClients } from '../adapters/aws/clients.js';
import { DynamoBatchReader } from '../adapters/aws/dynamo-batch-reader.js';
import { DynamoBatchWriter } from '../adapters/aws/dynamo-batch-writer.js';
import { DynamoCanaryKey } from '../adapters/aws/dynamo-canary-key.js';
import { DynamoDeadLetterStore } from '../adapters/aws/dynamo-dead-letter-store.js';
import { DynamoDelayNotices, DynamoEnvelopeArchive } from '../adapters/aws/dynamo-feature-stores.js';
import { DynamoLedger } from '../adapters/aws/dynamo-ledger.js';
import { DynamoMessageIndex } from '../adapters/aws/dynamo-message-index.js';
import { DynamoHeldNotices, DynamoNoticeBudget } from '../adapters/aws/dynamo-notice-stores.js';
import { DynamoDeliveryRecords } from '../adapters/aws/dynamo-problem-records.js';
import { DynamoRouteState } from '../adapters/aws/dynamo-route-state.js';
import { PowertoolsDeliveryLog } from '../adapters/aws/powertools-delivery-log.js';
import { PowertoolsMetrics } from '../adapters/aws/powertools-metrics.js';
import { S3MessageStore } from '../adapters/aws/s3-message-store.js';
import { SecretsSmtpAuth, type SmtpAuthSource } from '../adapters/aws/secrets-smtp-auth.js';
import { SesBounceMailer } from '../adapters/aws/ses-bounce-mailer.js';
import { SesV2NoticeSending } from '../adapters/aws/sesv2-notice-sending.js';
import { SqsMailQueue } from '../adapters/aws/sqs-mail-queue.js';
import { SqsQueueDirectory } from '../adapters/aws/sqs-queue-directory.js';
import { SecretsArcKeySource, type ArcKeySource } from '../adapters/arc/arc-key.js';
import { MailauthArcSealer } from '../adapters/arc/mailauth-arc-sealer.js';
import { DnsAddressGuard } from '../adapters/dns/dns-address-guard.js';
import { narrowSesNotification, parseSesNotification } from '../adapters/ses/ses-notification.js';
import { NodemailerTransportFactory } from '../adapters/smtp/nodemailer-transport.js';
import { SmtpCallout } from '../adapters/smtp/smtp-callout.js';
import { SmtpProbe } from '../adapters/smtp/smtp-probe.js';
import { drainReserveSeconds, ENV, SettingsError, type Settings } from '../config/settings.js';
import { CanaryRecogniser } from '../core/canary/recognise-canary.js';
import type { EngineDeps, EngineOptions } from '../core/drain/drain-deps.js';
import type { EnvelopeArchive } from '../core/accept/ports.js';
import type { QueueDirectory } from '../core/sweep/ports.js';
import type { Route } from '../core/model.js';
import type { NoticeAlarms, NoticeSending } from '../core/outcome/notice-ports.js';
import type { BounceMailer } from '../core/outcome/ports.js';
import type { Clock, DeliveryLog, Metrics } from '../core/runtime/ports.js';
import type { DrainStarter, MailQueue, SmtpTransportFactory } from '../core/drain/ports.js';
import type { PrimaryAddressGuard } from '../core/policy/ports.js';
import type { PrimaryProbe, RouteState } from '../core/probe/ports.js';
import type { RecipientCallout } from '../core/operator/ports.js';
import { defaultSleep } from '../core/probe/probe-primaries.js';
import { DEFAULT_MAX_SESSIONS } from '../core/drain/session-window.js';

/** Messages in delivery at once, shared over the pooled sessions: enough to keep
 *  every session busy while the next message is read from S3 and the ledger
 *  (a route's `primary.messagesInFlight` overrides it). */
export const DEFAULT_CONCURRENCY = 40;
/** Sessions to one primary, as Postfix's default_destination_concurrency_limit;
 *  opened with a slow start from 5 (a route's `primary.maxSessions` overrides it). */
export const DEFAULT_MAX_CONNECTIONS = DEFAULT_MAX_SESSIONS;
/** The bucket keeps raw objects the queue lifetime + 30 days (lib/constructs/mail-bucket.ts): envelopes as long. */
export const ARCHIVE_EXTRA_SECONDS = 30 * 86_400;

/**
 * What a program watches of the engine it runs, wrapped around the real
 * dependency while it is built: the local runner counts the deliveries and
 * narrates the probe, the CLI narrates the route state on the runner's
 * console, the bench times the queue.
 */
export interface EngineObservers {
  transports?: (inner: SmtpTransportFactory) => SmtpTransportFactory;
  /** Wraps the scheduled rounds' probe (the SMTP check with AUTH, or `probe`), so one and the same check is seen. */
  probe?: (inner: PrimaryProbe) => PrimaryProbe;
  routeState?: (inner: RouteState) => RouteState;
  queue?: (inner: MailQueue) => MailQueue;
}

/** What may be swapped when the engine runs outside Lambda (local runner, CLI, tests, benchmarks). */
export interface EngineOverrides {
  /** The platform's clients; without them, AWS in the clients' region (the Lambda's own). */
  clients?: AwsClients;
  log?: DeliveryLog;
  metrics?: Metrics;
  clock?: Clock;
  /** How the probe starts a drain; by default a Lambda invoke, or in-process without a function name. */
  drains?: DrainStarter;
  transports?: SmtpTransportFactory;
  /** Where DSNs go; SES SendRawEmail by default (the local runner keeps them on disk). */
  bounces?: BounceMailer;
  /** The notices' SES configuration set switch; SESv2 by default when the settings name one. */
  noticeSending?: NoticeSending;
  /** The reputation alarms `notices resume` checks first (the CLI builds them from the stack's outputs); none locally. */
  noticeAlarms?: NoticeAlarms;
  probe?: PrimaryProbe;
  observe?: EngineObservers;
  sleep?: (ms: number) => Promise<void>;
  /** Sessions open at once to one primary (default 20, as Postfix per destination), unless the route's primary sets maxSessions. */
  maxConnections?: number;
  /** Messages in delivery at once (default DEFAULT_CONCURRENCY), unless the route's primary sets messagesInFlight. */
  concurrency?: number;
  /** SMTP AUTH credentials by secret name; Secrets Manager by default (the local runner reads a file). */
  auth?: SmtpAuthSource;
  /** ARC private keys by secret name; Secrets Manager by default. */
  arcKeys?: ArcKeySource;
  /** RCPT TO callouts for `recipients verify` (SMTP by default). */
  callout?: RecipientCallout;
  /** The loop guard on the primary's resolved address; DNS by default. */
  addressGuard?: PrimaryAddressGuard;
  /** Where the orphaned-queue watch lists queues; SQS by default. */
  queueDirectory?: QueueDirectory;
}

/**
 * The Lambdas' CloudWatch metrics. Every series carries the stack name, which
 * the stack sets on every function: without it the alarms, which ask for that
 * dimension, would see nothing, so a function missing it fails at once.
 */
export function lambdaMetrics(settings: Pick<Settings, 'stackName'> & Partial<Pick<Settings, 'detailedMetrics'>>): PowertoolsMetrics {
  if (!settings.stackName) {
    throw new SettingsError(`${ENV.stackName}: required (a dimension of every metric the alarms read); the stack sets it on every function: deploy again with \`npx cdk deploy\``);
  }
  return new PowertoolsMetrics({ stackName: settings.stackName, detailed: settings.detailedMetrics ?? false });
}

/** Everything the engine's use cases are built from. */
export interface EngineParts {
  clients: AwsClients;
  deps: EngineDeps;
  options: EngineOptions;
  /** Envelopes of accepted messages, for replay and export (feature-ports.ts). */
  archive: EnvelopeArchive;
  /** The SMTP check of a primary with AUTH (one secret cache with the deliveries), `stepTimeoutMs` per step. */
  primaryProbe: (stepTimeoutMs: number) => PrimaryProbe;
  /** The probe the scheduled rounds use: primaryProbe, seen by the observer. */
  scheduledProbe: (stepTimeoutMs: number) => PrimaryProbe;
  callout: (stepTimeoutMs: number) => RecipientCallout;
  /** A fresh loop guard per probe run (its DNS answers are cached for that run). */
  addressGuard: () => PrimaryAddressGuard;
  noticeSending?: NoticeSending;
  noticeAlarms?: NoticeAlarms;
  queueDirectory: () => QueueDirectory;
  sleep: (ms: number) => Promise<void>;
  drains?: DrainStarter;
}

/** Builds the engine's dependencies for `settings` on the platform's clients. */
export function composeEngine(settings: Settings, clients: AwsClients, overrides: EngineOverrides = {}): EngineParts {
  const observe = overrides.observe ?? {};
  const table = settings.tableName;
  const { doc, sqs } = clients;
  // One secret cache for the drain's sessions, the probe's AUTH check and the callouts.
  const auth = overrides.auth ?? new SecretsSmtpAuth(clients.secrets);
  // One grouped writer for the ledger rows and the index's done summaries, and
  // the grouped ledger reads, both on the cached raw client.
  const batchWriter = new DynamoBatchWriter(clients.batchDynamo, table);
  const queueOf = routeQueues(sqs, observe);
  const log = overrides.log ?? new PowertoolsDeliveryLog();
  const transports =
    overrides.transports ??
    new NodemailerTransportFactory({
      clientName: settings.hostname,
      socketTimeoutMs: settings.smtpTimeoutMs,
      maxConnections: overrides.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      auth,
      log,
    });
  const routeState = new DynamoRouteState(doc, table);
  const batchReader = new DynamoBatchReader(clients.batchDynamo, table);
  const deps: EngineDeps = {
    queues: queueOf,
    store: new S3MessageStore(clients.s3, settings.bucketName),
    // One reader for both: a message's hold mark rides in the BatchGetItem of its ledger rows.
    ledger: new DynamoLedger(doc, table, batchWriter, batchReader),
    index: new DynamoMessageIndex(doc, table, batchWriter, undefined, batchReader),
    routeState: observe.routeState ? observe.routeState(routeState) : routeState,
    deadLetters: new DynamoDeadLetterStore(doc, table, sqs, settings.deadLetterQueueUrl),
    transports: observe.transports ? observe.transports(transports) : transports,
    sealer: new MailauthArcSealer({ keys: overrides.arcKeys ?? new SecretsArcKeySource(clients.secrets) }),
    bounces: overrides.bounces ?? new SesBounceMailer(clients.ses, settings.dsnConfigurationSet),
    log,
    metrics: overrides.metrics ?? lambdaMetrics(settings),
    clock: overrides.clock ?? { now: () => new Date() },
    parse: parseSesNotification,
    delayNotices: new DynamoDelayNotices(doc, table),
    noticeBudget: new DynamoNoticeBudget(doc, table),
    heldNotices: new DynamoHeldNotices(doc, table),
    deliveryRecords: new DynamoDeliveryRecords(doc, table),
    narrow: narrowSesNotification,
    ...(settings.canaryAddress && settings.canaryRoute
      ? { canary: new CanaryRecogniser(new DynamoCanaryKey(doc, table), { address: settings.canaryAddress, route: settings.canaryRoute }) }
      : {}),
  };
  const options = engineOptions(settings, overrides);
  const primaryProbe = (stepTimeoutMs: number) => overrides.probe ?? new SmtpProbe({ clientName: settings.hostname, stepTimeoutMs, auth });
  const noticeSending = overrides.noticeSending ?? (settings.dsnConfigurationSet ? new SesV2NoticeSending(clients.sesv2, settings.dsnConfigurationSet) : undefined);
  return {
    clients,
    deps,
    options,
    archive: new DynamoEnvelopeArchive(doc, table),
    primaryProbe,
    scheduledProbe: (stepTimeoutMs) => (observe.probe ? observe.probe(primaryProbe(stepTimeoutMs)) : primaryProbe(stepTimeoutMs)),
    callout: (stepTimeoutMs) => overrides.callout ?? new SmtpCallout({ clientName: settings.hostname, stepTimeoutMs, auth }),
    // The loop guard knows SES's inbound host of the platform's region (the stack's, in a Lambda).
    addressGuard: () => overrides.addressGuard ?? new DnsAddressGuard({ hostname: settings.hostname, sesInboundHosts: [`inbound-smtp.${clients.region}.amazonaws.com`] }),
    ...(noticeSending ? { noticeSending } : {}),
    ...(overrides.noticeAlarms ? { noticeAlarms: overrides.noticeAlarms } : {}),
    queueDirectory: () => overrides.queueDirectory ?? new SqsQueueDirectory(sqs),
    sleep: overrides.sleep ?? defaultSleep,
    ...(overrides.drains ? { drains: overrides.drains } : {}),
  };
}

/** One queue client per route, built on first use and kept, so every use of a route's queue goes through one (observed) instance. */
function routeQueues(sqs: AwsClients['sqs'], observe: EngineObservers): (route: Route) => MailQueue {
  const queues = new Map<string, MailQueue>();
  return (route) => {
    let queue = queues.get(route.name);
    if (!queue) {
      const inner = new SqsMailQueue(sqs, route.queueUrl);
      queue = observe.queue ? observe.queue(inner) : inner;
      queues.set(route.name, queue);
    }
    return queue;
  };
}

/** The drain's tunables from the settings, with the program's concurrency override. */
function engineOptions(settings: Settings, overrides: EngineOverrides): EngineOptions {
  return {
    hostname: settings.hostname,
    minBackoffSeconds: settings.minBackoffSeconds,
    maxBackoffSeconds: settings.maxBackoffSeconds,
    queueLifetimeSeconds: settings.queueLifetimeSeconds,
    maxReceivedHeaders: settings.maxReceivedHeaders,
    leaseMarginSeconds: drainReserveSeconds(settings),
    concurrency: overrides.concurrency ?? DEFAULT_CONCURRENCY,
    ...(settings.delayWarningSeconds !== undefined ? { delayWarningSeconds: settings.delayWarningSeconds } : {}),
  };
}
