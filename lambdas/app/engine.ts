// Wires the use cases to the real adapters from one Settings object. The
// Lambda handlers and the local runner both build the engine here, so the
// same code runs in AWS, on a laptop and in the end-to-end tests; only the
// endpoints, the log and the drain starter differ.
import { createAwsClients, type AwsClients } from '../adapters/aws/clients.js';
import { DynamoBatchWriter } from '../adapters/aws/dynamo-batch-writer.js';
import { DynamoBatchReader } from '../adapters/aws/dynamo-batch-reader.js';
import { DynamoDeadLetterStore } from '../adapters/aws/dynamo-dead-letter-store.js';
import { DynamoDelayNotices, DynamoEnvelopeArchive } from '../adapters/aws/dynamo-feature-stores.js';
import { DynamoHeldNotices, DynamoNoticeBudget } from '../adapters/aws/dynamo-notice-stores.js';
import { SesV2NoticeSending } from '../adapters/aws/sesv2-notice-sending.js';
import { HeldNoticesAdmin } from '../core/operator/held-notices-admin.js';
import type { NoticeAlarms, NoticeSending } from '../core/outcome/notice-ports.js';
import { DynamoLedger } from '../adapters/aws/dynamo-ledger.js';
import { DynamoMessageIndex } from '../adapters/aws/dynamo-message-index.js';
import { DynamoRouteState } from '../adapters/aws/dynamo-route-state.js';
import { LambdaDrainStarter } from '../adapters/aws/lambda-drain-starter.js';
import { PowertoolsDeliveryLog } from '../adapters/aws/powertools-delivery-log.js';
import { PowertoolsMetrics } from '../adapters/aws/powertools-metrics.js';
import { S3MessageStore } from '../adapters/aws/s3-message-store.js';
import { SecretsSmtpAuth, type SmtpAuthSource } from '../adapters/aws/secrets-smtp-auth.js';
import { SecretsArcKeySource, type ArcKeySource } from '../adapters/arc/arc-key.js';
import { MailauthArcSealer } from '../adapters/arc/mailauth-arc-sealer.js';
import { SesBounceMailer } from '../adapters/aws/ses-bounce-mailer.js';
import { SqsMailQueue } from '../adapters/aws/sqs-mail-queue.js';
import { narrowSesNotification, parseSesNotification } from '../adapters/ses/ses-notification.js';
import { NodemailerTransportFactory } from '../adapters/smtp/nodemailer-transport.js';
import { SmtpProbe } from '../adapters/smtp/smtp-probe.js';
import { SmtpCallout } from '../adapters/smtp/smtp-callout.js';
import { VerifyRecipients, type VerifyOptions, type VerifyReport } from '../core/operator/verify-recipients.js';
import { DnsAddressGuard } from '../adapters/dns/dns-address-guard.js';
import { drainReserveSeconds, ENV, SettingsError, type Settings } from '../config/settings.js';
import { AcceptMessage } from '../core/accept/accept-message.js';
import { DrainRoute } from '../core/drain/drain-route.js';
import { startSuccessor } from '../core/drain/drain-successor.js';
import type { DrainSummary, RunOptions } from '../core/drain/drain-summary.js';
import type { EngineDeps, EngineOptions } from '../core/drain/drain-deps.js';
import type { EnvelopeArchive } from '../core/accept/ports.js';
import type { Route } from '../core/model.js';
import type { BounceMailer } from '../core/outcome/ports.js';
import type { Clock, DeliveryLog, Metrics } from '../core/runtime/ports.js';
import type { DrainMode, DrainStarter, MailQueue, SmtpTransportFactory } from '../core/drain/ports.js';
import type { PrimaryAddressGuard } from '../core/policy/ports.js';
import type { PrimaryProbe } from '../core/probe/ports.js';
import type { RecipientCallout } from '../core/operator/ports.js';
import { ProbePrimaries, defaultSleep, type RouteProbeOutcome } from '../core/probe/probe-primaries.js';
import { DEFAULT_MAX_SESSIONS } from '../core/drain/session-window.js';
import { SweepRoute } from '../core/sweep/sweep-route.js';
import { FindUnqueuedObjects, type FindUnqueuedSummary } from '../core/sweep/find-unqueued-objects.js';
import { FindOrphanedQueues, type FindOrphanedQueuesSummary } from '../core/sweep/find-orphaned-queues.js';
import { SqsQueueDirectory } from '../adapters/aws/sqs-queue-directory.js';
import type { QueueDirectory } from '../core/sweep/ports.js';
import { routePrefix } from '../config/mail-layout.js';
import { InProcessDrainStarter } from './in-process-drain-starter.js';
import { DynamoCanaryKey } from '../adapters/aws/dynamo-canary-key.js';
import { CanaryRecogniser } from '../core/canary/recognise-canary.js';
import { DynamoCanaryArrivals, DynamoDeliveryRecords, DynamoOrphanWatchRecords, DynamoProblemStates } from '../adapters/aws/dynamo-problem-records.js';
import type { ProblemStates } from '../core/problems/problem-ports.js';
import { watchProblems } from './problem-watch.js';

export { InProcessDrainStarter };

/** Messages in delivery at once, shared over the pooled sessions: enough to keep
 *  every session busy while the next message is read from S3 and the ledger
 *  (a route's `primary.messagesInFlight` overrides it). */
export const DEFAULT_CONCURRENCY = 40;
/** Sessions to one primary, as Postfix's default_destination_concurrency_limit;
 *  opened with a slow start from 5 (a route's `primary.maxSessions` overrides it). */
export const DEFAULT_MAX_CONNECTIONS = DEFAULT_MAX_SESSIONS;
/** The bucket keeps raw objects the queue lifetime + 30 days (lib/constructs/mail-bucket.ts): envelopes as long. */
export const ARCHIVE_EXTRA_SECONDS = 30 * 86_400;

/** What may be swapped when the engine runs outside Lambda (local runner, tests, benchmarks). */
export interface EngineOverrides {
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
  /**
   * Wraps the scheduled rounds' probe (the SMTP check with AUTH, or `probe`):
   * the local runner watches each check with it, so its console and the
   * Lambda's records come from one and the same check.
   */
  observeProbe?: (probe: PrimaryProbe) => PrimaryProbe;
  sleep?: (ms: number) => Promise<void>;
  /** Sessions open at once to one primary (default 20, as Postfix per destination), unless the route's primary sets maxSessions. */
  maxConnections?: number;
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

export interface DrainEvent {
  route: string;
  mode?: DrainMode;
}

export class UnknownRouteError extends Error {
  constructor(readonly route: string) {
    super(`no route named "${route}" in ${'BACKUPMX_ROUTES'}`);
    this.name = 'UnknownRouteError';
  }
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

export class Engine {
  readonly deps: EngineDeps;
  readonly options: EngineOptions;
  readonly clients: AwsClients;
  /** Envelopes of accepted messages, for replay and export (feature-ports.ts). */
  readonly archive: EnvelopeArchive;
  private readonly queueByRoute = new Map<string, MailQueue>();
  /** One secret cache for the drain's sessions and the probe's AUTH check. */
  private readonly smtpAuth: SmtpAuthSource;

  private current: Settings;

  constructor(
    settings: Settings,
    private readonly overrides: EngineOverrides = {},
  ) {
    this.current = settings;
    const clients = overrides.clients ?? createAwsClients({ region: process.env.AWS_REGION ?? 'us-east-1' });
    this.clients = clients;
    this.smtpAuth = overrides.auth ?? new SecretsSmtpAuth(clients.secrets);
    const { doc, sqs } = clients;
    // One grouped writer for the ledger rows and the index's done summaries, and
    // the grouped ledger reads, both on the cached raw client.
    const batchWriter = new DynamoBatchWriter(clients.batchDynamo, settings.tableName);
    this.deps = {
      queues: (route) => this.queue(route),
      store: new S3MessageStore(clients.s3, settings.bucketName),
      ledger: new DynamoLedger(doc, settings.tableName, batchWriter, new DynamoBatchReader(clients.batchDynamo, settings.tableName)),
      index: new DynamoMessageIndex(doc, settings.tableName, batchWriter),
      routeState: new DynamoRouteState(doc, settings.tableName),
      deadLetters: new DynamoDeadLetterStore(doc, settings.tableName, sqs, settings.deadLetterQueueUrl),
      transports:
        overrides.transports ??
        new NodemailerTransportFactory({
          clientName: settings.hostname,
          socketTimeoutMs: settings.smtpTimeoutMs,
          maxConnections: overrides.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
          auth: this.smtpAuth,
        }),
      sealer: new MailauthArcSealer({ keys: overrides.arcKeys ?? new SecretsArcKeySource(clients.secrets) }),
      bounces: overrides.bounces ?? new SesBounceMailer(clients.ses, settings.dsnConfigurationSet),
      log: overrides.log ?? new PowertoolsDeliveryLog(),
      metrics: overrides.metrics ?? lambdaMetrics(settings),
      clock: overrides.clock ?? { now: () => new Date() },
      parse: parseSesNotification,
      delayNotices: new DynamoDelayNotices(doc, settings.tableName),
      noticeBudget: new DynamoNoticeBudget(doc, settings.tableName),
      heldNotices: new DynamoHeldNotices(doc, settings.tableName),
      deliveryRecords: new DynamoDeliveryRecords(doc, settings.tableName),
      narrow: narrowSesNotification,
      ...(settings.canaryAddress && settings.canaryRoute
        ? { canary: new CanaryRecogniser(new DynamoCanaryKey(doc, settings.tableName), { address: settings.canaryAddress, route: settings.canaryRoute }) }
        : {}),
    };
    this.archive = new DynamoEnvelopeArchive(doc, settings.tableName);
    this.options = {
      hostname: settings.hostname,
      minBackoffSeconds: settings.minBackoffSeconds,
      maxBackoffSeconds: settings.maxBackoffSeconds,
      queueLifetimeSeconds: settings.queueLifetimeSeconds,
      maxReceivedHeaders: settings.maxReceivedHeaders,
      leaseMarginSeconds: drainReserveSeconds(settings),
      concurrency: DEFAULT_CONCURRENCY,
      ...(settings.delayWarningSeconds !== undefined ? { delayWarningSeconds: settings.delayWarningSeconds } : {}),
    };
  }

  get settings(): Settings {
    return this.current;
  }

  /**
   * The local runner's SIGHUP reload: the next probe rounds and drains use
   * these routes. Only routes change; what the constructor built from the
   * other settings (table, bucket, hostname, retry) stays.
   */
  useRoutes(routes: Route[]): void {
    this.current = { ...this.current, routes };
  }

  route(name: string): Route {
    const route = this.settings.routes.find((r) => r.name === name);
    if (!route) throw new UnknownRouteError(name);
    return route;
  }

  queue(route: Route): MailQueue {
    let queue = this.queueByRoute.get(route.name);
    if (!queue) {
      queue = new SqsMailQueue(this.clients.sqs, route.queueUrl);
      this.queueByRoute.set(route.name, queue);
    }
    return queue;
  }

  /** One drain or sweep of one route. */
  async drain(event: DrainEvent, run: RunOptions): Promise<DrainSummary> {
    const route = this.route(event.route);
    const options = route.primary.messagesInFlight !== undefined ? { ...this.options, concurrency: route.primary.messagesInFlight } : this.options;
    const useCase = event.mode === 'sweep' ? new SweepRoute(this.deps, options) : new DrainRoute(this.deps, options);
    try {
      return await useCase.run(route, run);
    } finally {
      await this.deps.metrics.flush();
    }
  }

  /** The SMTP check of a primary, as the scheduled probe makes it (AUTH included when configured). */
  primaryProbe(stepTimeoutMs = this.settings.probeTimeoutMs): PrimaryProbe {
    return this.overrides.probe ?? new SmtpProbe({ clientName: this.settings.hostname, stepTimeoutMs, auth: this.smtpAuth });
  }

  /**
   * One drain that, stopped by its time budget, hands the route to a successor
   * (started through `successor`, after the lease is released) so a backlog
   * never waits for the probe's next round.
   */
  async drainAndHandOver(event: DrainEvent, run: RunOptions, successor: DrainStarter | undefined): Promise<DrainSummary> {
    const summary = await this.drain(event, run);
    await startSuccessor(summary, successor, this.deps.log);
    return summary;
  }

  /** One probe invocation: every route, as many rounds as the interval asks. */
  async probe(drains: DrainStarter = this.defaultDrainStarter()) {
    try {
      return await this.probeUseCase(drains).run();
    } finally {
      await this.deps.metrics.flush();
    }
  }

  /**
   * The probe's check of one route now, as in a round (loop guard, AUTH
   * backoff, hold; a drain when mail waits): what the "I'm back" trigger asks for.
   */
  async probeRoute(name: string, drains: DrainStarter = this.defaultDrainStarter()): Promise<RouteProbeOutcome> {
    this.route(name);
    try {
      return await this.probeUseCase(drains).probeOne(name);
    } finally {
      await this.deps.metrics.flush();
    }
  }

  private probeUseCase(drains: DrainStarter): ProbePrimaries {
    const { settings, overrides, deps } = this;
    return new ProbePrimaries(
      {
        routes: settings.routes,
        probe: overrides.observeProbe ? overrides.observeProbe(this.primaryProbe()) : this.primaryProbe(),
        routeState: deps.routeState,
        index: deps.index,
        queues: deps.queues,
        drains,
        metrics: deps.metrics,
        log: deps.log,
        clock: deps.clock,
        sleep: overrides.sleep ?? defaultSleep,
        heldNotices: deps.heldNotices,
        deadLetters: deps.deadLetters,
        problems: watchProblems(settings, this.clients, { metrics: deps.metrics, log: deps.log, clock: deps.clock }),
        guard:
          overrides.addressGuard ??
          new DnsAddressGuard({ hostname: settings.hostname, sesInboundHosts: [`inbound-smtp.${process.env.AWS_REGION ?? 'us-east-1'}.amazonaws.com`] }),
      },
      { probeIntervalSeconds: settings.probeIntervalSeconds },
    );
  }

  /** What the probe found on, per route and for the stack (`backup-mx status`). */
  problemStates(): ProblemStates {
    return new DynamoProblemStates(this.clients.doc, this.settings.tableName);
  }

  /** `backup-mx notices`: the operator's verbs on notices held for the budget or a paused SES. */
  heldNotices(): HeldNoticesAdmin {
    const { deps } = this;
    const sending = this.overrides.noticeSending ?? (this.settings.dsnConfigurationSet ? new SesV2NoticeSending(this.clients.sesv2, this.settings.dsnConfigurationSet) : undefined);
    return new HeldNoticesAdmin({
      held: deps.heldNotices!,
      bounces: deps.bounces,
      ledger: deps.ledger,
      clock: deps.clock,
      log: deps.log,
      ...(deps.noticeBudget ? { budget: deps.noticeBudget } : {}),
      ...(sending ? { sending } : {}),
      ...(this.overrides.noticeAlarms ? { alarms: this.overrides.noticeAlarms } : {}),
    });
  }

  /** `recipients verify`: RCPT TO callouts to the route's primary (never DATA), only while it is up. */
  async verifyRecipients(routeName: string, addresses: string[], options: VerifyOptions = {}): Promise<VerifyReport> {
    const { settings, overrides } = this;
    const stepTimeoutMs = settings.probeTimeoutMs;
    const useCase = new VerifyRecipients({
      probe: this.primaryProbe(stepTimeoutMs),
      callout: overrides.callout ?? new SmtpCallout({ clientName: settings.hostname, stepTimeoutMs, auth: this.smtpAuth }),
      sleep: overrides.sleep ?? defaultSleep,
    });
    return useCase.run(this.route(routeName), addresses, options);
  }

  /** The hourly look for objects SES stored whose notification never reached a queue, every route. */
  async findUnqueued(budgetSeconds?: number): Promise<FindUnqueuedSummary[]> {
    const started = this.deps.clock.now().getTime();
    try {
      const summaries: FindUnqueuedSummary[] = [];
      for (const route of this.settings.routes) {
        // One budget for all routes: each gets what the ones before left.
        const left = budgetSeconds === undefined ? undefined : Math.max(0, budgetSeconds - (this.deps.clock.now().getTime() - started) / 1000);
        summaries.push(await new FindUnqueuedObjects(this.deps, { prefixOf: routePrefix, ...(left === undefined ? {} : { budgetSeconds: left }) }).run(route));
      }
      return summaries;
    } finally {
      await this.deps.metrics.flush();
    }
  }

  /**
   * The hourly look for this stack's old queues that no route uses but that
   * still hold mail. Needs the stack name (BACKUPMX_STACK_NAME): without it
   * (local runs) it looks at nothing and returns undefined.
   */
  async findOrphanedQueues(): Promise<FindOrphanedQueuesSummary | undefined> {
    const { settings, deps } = this;
    if (!settings.stackName) return undefined;
    const useCase = new FindOrphanedQueues(
      {
        queues: this.overrides.queueDirectory ?? new SqsQueueDirectory(this.clients.sqs),
        log: deps.log,
        metrics: deps.metrics,
        records: new DynamoOrphanWatchRecords(this.clients.doc, settings.tableName),
        now: () => deps.clock.now(),
      },
      {
        stackName: settings.stackName,
        inUse: [...settings.routes.map((r) => r.queueUrl), settings.deadLetterQueueUrl],
        routes: settings.routes.map((r) => r.name),
      },
    );
    try {
      return await useCase.run();
    } finally {
      await deps.metrics.flush();
    }
  }

  /** Indexes one notification for mailq/status (or measures the canary); the route is found from its recipients. */
  async accept(body: string) {
    const { deps } = this;
    const archive = { store: this.archive, retentionSeconds: this.settings.queueLifetimeSeconds + ARCHIVE_EXTRA_SECONDS };
    const useCase = new AcceptMessage({
      index: deps.index,
      store: deps.store,
      parse: deps.parse,
      log: deps.log,
      clock: deps.clock,
      archive,
      metrics: deps.metrics,
      ...(deps.canary ? { canary: deps.canary, canaryArrivals: new DynamoCanaryArrivals(this.clients.doc, this.settings.tableName) } : {}),
    });
    try {
      return await useCase.accept(this.routeForNotification(body) ?? 'unknown', body);
    } finally {
      await deps.metrics.flush();
    }
  }

  private routeForNotification(body: string): string | undefined {
    try {
      const message = this.deps.parse(body);
      // Mail to the canary address travels the canary's route (its rule notifies that route's topic).
      if (this.deps.canary?.addressedToCanary(message)) return this.deps.canary.canary.route;
      const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();
      const domains = new Set(message.recipients.map(domainOf));
      return this.settings.routes.find((r) => r.domains.some((d) => domains.has(d.toLowerCase())))?.name;
    } catch {
      return undefined; // AcceptMessage reports the malformed notification itself
    }
  }

  private defaultDrainStarter(): DrainStarter {
    if (this.overrides.drains) return this.overrides.drains;
    if (this.settings.drainFunctionName) return new LambdaDrainStarter(this.clients.lambda, this.settings.drainFunctionName);
    return new InProcessDrainStarter(this);
  }
}
