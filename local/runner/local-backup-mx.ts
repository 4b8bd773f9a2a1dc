// The local backup MX behind `npm start`, `npm run demo` and the end-to-end
// tests: local AWS (embedded emulators, or LocalStack via AWS_ENDPOINT_URL)
// with the stack's resources, the SES stand-in on 127.0.0.1, and the engine
// the Lambdas run: accept after each message (there is no SNS→Lambda here),
// the probe on a loop (no scheduler here), drains in this process.
import path from 'node:path';
import { S3MessageStore } from '../../lambdas/adapters/aws/s3-message-store.js';
import { parseSesNotification } from '../../lambdas/adapters/ses/ses-notification.js';
import { Engine, InProcessDrainStarter } from '../../lambdas/app/engine.js';
import type { Settings } from '../../lambdas/config/settings.js';
import type { BackupMxConfig } from '../../lib/config/backup-mx-config.js';
import type { Provisioned } from '../provision.js';
import { ActivityTail } from '../activity-log.js';
import { listSome } from '../words.js';
import { runtimeDir, type RuntimeInfo } from '../runtime-file.js';
import { removeRunnerPointer, writeRunnerPointer } from '../runner-pointers.js';
import type { NotificationPublisher } from '../ses-standin/ports.js';
import { SesStandIn } from '../ses-standin/ses-standin.js';
import { snsPublisher } from '../ses-standin/sns-publisher.js';
import { MailSpool } from '../snapshot.js';
import { LineDeliveryLog, LineOutput, SummaryMetrics, type LineWriter } from './line-output.js';
import { CountedTransports } from './counted-transports.js';
import { connectLocalAws, type LocalAwsConnection } from './local-aws.js';
import { LocalBounceMailer } from './local-bounce-mailer.js';
import { DEFAULT_NAME_PREFIX, localSettings, resourceNames, standInRoutes } from './local-settings.js';
import { describeReload, oneLine, planReload } from './config-reload.js';
import { Narration } from './narration.js';
import { describeCheck, ObservedProbe } from './observed-probe.js';
import { ProbeLoop, probePeriodMs } from './probe-loop.js';
import { loadRunnerConfig, readRunnerEnv, type LoadedConfig } from './runner-config.js';
import { RunnerEventBus } from './runner-events.js';
import { RunTotals } from './run-totals.js';
import { RuntimeLock } from './runtime-lock.js';
import { stopDeliveries } from './graceful-stop.js';
import { restoreFromSpool } from './spool-restore.js';
import { ensureWritableDir, explainEndpointError } from './startup-errors.js';
import { startLocalTrigger } from './trigger-hook.js';
import type { TriggerListener } from './trigger-listener.js';
import { LOCAL_SECRETS_ENV, localSecretOverrides } from './local-secrets.js';
import { announceCertificates } from './primary-certificates.js';
import { localSendCanary } from '../../lambdas/app/canary-app.js';
import type { SendCanary, SendCanaryResult } from '../../lambdas/core/canary/send-canary.js';
import { SmtpCanaryMailer } from './smtp-canary-mailer.js';
import { canaryIntervalSecondsFromEnv } from './runner-config.js';

export interface LocalBackupMxOptions {
  /** Where BACKUPMX_* and AWS_ENDPOINT_URL are read (process.env by default). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where the plain lines go (stdout by default). */
  write?: LineWriter;
  /** Prefix of every resource name (default backupmx-local); tests on LocalStack pass their own. */
  namePrefix?: string;
  /** Write the runtime file the `backup-mx` CLI looks for (default true). */
  runtimeFile?: boolean;
  /** Print every engine log line, not only what a person needs. */
  verbose?: boolean;
  /** Time budget of one in-process drain, s (default 60: the probe starts another while mail waits). */
  drainBudgetSeconds?: number;
  /**
   * The checkout whose .backup-mx/runners/ gets a pointer to this runner, so the
   * CLI finds it from any directory of that checkout whatever its data dir
   * (`npm start` passes its own; none by default: tests run many runners at once).
   */
  pointerRoot?: string;
}

/** How long a stop waits for deliveries in progress (BACKUPMX_STOP_WAIT_SECONDS overrides it). */
export const DEFAULT_STOP_WAIT_SECONDS = 10;

export class SmtpPortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} on 127.0.0.1 is already in use (another npm start?); set BACKUPMX_SMTP_PORT to another port`);
    this.name = 'SmtpPortInUseError';
  }
}

interface Parts {
  /** The configuration running now (a reload replaces its routes). */
  loaded: LoadedConfig;
  settings: Settings;
  out: LineOutput;
  aws: LocalAwsConnection;
  resources: Provisioned;
  probeLoop: ProbeLoop;
  lock?: RuntimeLock;
  dataDir?: string;
  /** Where the configuration was read from and the resources' name prefix: what a reload reads and provisions again. */
  cwd: string;
  namePrefix: string;
}

export class LocalBackupMx {
  readonly events = new RunnerEventBus();
  readonly metrics = new SummaryMetrics();
  /** The drains' summaries added up, for the line at stop. */
  readonly totals = new RunTotals();
  readonly engine: Engine;
  readonly drains: InProcessDrainStarter;
  readonly bounces: LocalBounceMailer;
  /** The drains' SMTP transports, counted: what a stop waits for. */
  readonly deliveries: CountedTransports;
  private standIn?: SesStandIn;
  /** What the `backup-mx --local` command did, shown on this console. */
  private activity?: ActivityTail;
  private trigger?: TriggerListener;
  /** The canary through the stand-in, as the canary function sends it through SES (none with "canary": false). */
  private readonly canary?: SendCanary;
  private canaryLoop?: ProbeLoop;
  private readonly env: NodeJS.ProcessEnv;
  /** Where this runner's pointer goes (LocalBackupMxOptions.pointerRoot); written once its runtime file is. */
  private readonly pointerRoot?: string;
  private pointerWritten = false;
  /** False when the runner writes no runtime file (tests): the trigger key then stays in memory. */
  private readonly writeFiles: boolean;
  private stopping?: Promise<void>;
  /** The reload in progress: SIGHUPs in a row apply one after the other. */
  private reloading: Promise<unknown> = Promise.resolve();
  private readonly probe: ObservedProbe;
  private readonly startedAt = new Date().toISOString();
  private readonly narration: Narration;
  /** BACKUPMX_VERBOSE=1: lines per message where a summary is the default. */
  private readonly verbose: boolean;
  /** The start-up certificate lines being read (tests wait for them). */
  certificatesShown: Promise<void> = Promise.resolve();

  private constructor(
    private readonly parts: Parts,
    options: LocalBackupMxOptions,
    env: NodeJS.ProcessEnv,
  ) {
    const { out, aws, probeLoop } = parts;
    this.env = env;
    this.writeFiles = options.runtimeFile !== false;
    this.verbose = options.verbose === true;
    this.narration = new Narration(out, parts.loaded.config, parts.loaded.fromCdkJson);
    const log = new LineDeliveryLog(out, (entry) => this.events.emit('attempt', { ...entry, at: new Date() }), options.verbose);
    // Observes the engine's own probe (AUTH from BACKUPMX_LOCAL_SECRETS, as the deliveries), never a second one.
    this.probe = new ObservedProbe(
      this.settings.routes,
      (change) => {
        this.narration.primary(change);
        this.events.emit('primary', change);
      },
      (check) => {
        if (this.verbose) out.info(`probe ${check.route}: ${describeCheck(check)}`);
      },
    );
    this.bounces = new LocalBounceMailer(path.join(runtimeDir(env), 'bounces'), (file, envelope) =>
      out.info(`bounce notice to ${listSome(envelope.to.map((to) => `<${to}>`))} written to ${file} (local runs send no mail through SES)`),
    );
    // AUTH passwords and ARC keys from BACKUPMX_LOCAL_SECRETS when set (Secrets Manager is never reached locally).
    const secrets = localSecretOverrides(env, parts.cwd);
    this.pointerRoot = options.pointerRoot;
    let counted: CountedTransports | undefined;
    this.engine = new Engine(this.settings, {
      clients: aws.clients,
      log,
      metrics: this.metrics,
      bounces: this.bounces,
      sleep: probeLoop.sleep,
      ...secrets,
      observe: {
        // The drains' sessions, counted: what a stop waits for.
        transports: (inner) => (counted = new CountedTransports(inner)),
        probe: (inner) => this.probe.around(inner),
      },
    });
    this.deliveries = counted!;
    const canary = parts.loaded.config.canary;
    this.canary = canary ? localSendCanary(this.engine, new SmtpCanaryMailer(() => this.smtpPort), canary.intervalMinutes) : undefined;
    this.drains = new InProcessDrainStarter(this.engine, options.drainBudgetSeconds ?? 60, (summary) => {
      this.totals.add(summary);
      this.events.emit('drain', summary);
    });
  }

  /** The engine's settings: after a SIGHUP reload, with the file's new routes. */
  get settings(): Settings {
    return this.parts.settings;
  }

  get config(): BackupMxConfig {
    return this.parts.loaded.config;
  }

  /** The SES stand-in's port on 127.0.0.1. */
  get smtpPort(): number {
    if (!this.standIn) throw new Error('the local backup MX is not listening');
    return this.standIn.port;
  }

  get endpoints(): RuntimeInfo['endpoints'] {
    return this.parts.aws.endpoints;
  }

  /** The "I'm back" listener's port on 127.0.0.1. */
  get triggerPort(): number {
    if (!this.trigger) throw new Error('the local backup MX is not listening');
    return this.trigger.port;
  }

  get dataDir(): string | undefined {
    return this.parts.dataDir;
  }

  static async start(options: LocalBackupMxOptions = {}): Promise<LocalBackupMx> {
    const env = options.env ?? process.env;
    const cwd = options.cwd ?? process.cwd();
    const runnerEnv = readRunnerEnv(env, cwd);
    const loaded = await loadRunnerConfig(env, cwd);
    if (options.runtimeFile !== false || runnerEnv.dataDir) {
      await ensureWritableDir(runtimeDir(env), runnerEnv.dataDir ? 'BACKUPMX_DATA_DIR' : 'the runtime directory .backup-mx');
    }
    const out = new LineOutput(options.write);
    const lock = options.runtimeFile === false ? undefined : await RuntimeLock.acquire(env);
    const { config } = loaded;
    let aws: LocalAwsConnection | undefined;
    let mx: LocalBackupMx | undefined;
    try {
      aws = await connectLocalAws({ endpoint: runnerEnv.endpoint, dataDir: runnerEnv.dataDir, region: config.region, env });
      const namePrefix = options.namePrefix ?? DEFAULT_NAME_PREFIX;
      const resources = await aws.provision(resourceNames(namePrefix, config)).catch((error: unknown) => {
        throw runnerEnv.endpoint ? explainEndpointError(error, runnerEnv.endpoint) : error;
      });
      const settings = localSettings(config, resources, env);
      const probeLoop = new ProbeLoop({
        invoke: () => mx!.engine.probe(mx!.drains),
        periodMs: probePeriodMs(settings.probeIntervalSeconds),
        onError: (error) => out.warn(`probe: ${error.message}`),
      });
      mx = new LocalBackupMx({ loaded, settings, out, aws, resources, probeLoop, lock, dataDir: runnerEnv.dataDir, cwd, namePrefix }, options, env);
      await mx.open(runnerEnv.smtpPort);
      return mx;
    } catch (error) {
      if (mx) await mx.stop({ quiet: true });
      else {
        await aws?.close();
        await lock?.release();
      }
      throw error;
    }
  }

  private async open(smtpPort: number): Promise<void> {
    const { out, aws, resources, lock, loaded, dataDir, probeLoop } = this.parts;
    out.plain(`backup-mx local: configuration from ${loaded.source}`);
    out.plain(`backup-mx local: ${aws.describe()}`);
    if (lock?.stale) await this.releaseStaleLeases(lock.stale.pid);

    const spool = dataDir ? MailSpool.inDataDir(dataDir) : undefined;
    const store = new S3MessageStore(aws.clients.s3, this.settings.bucketName);
    if (spool) {
      await restoreFromSpool(spool, {
        engine: this.engine,
        store,
        publish: this.publisher('spool'),
        topics: resources.routes,
        keptByEndpoint: aws.persistent,
        logger: out,
        verbose: this.verbose,
      });
    }
    this.standIn = new SesStandIn({
      routes: standInRoutes(loaded.config, resources),
      region: loaded.config.region,
      bucketName: this.settings.bucketName,
      store,
      publish: this.publisher('smtp'),
      logger: out,
      ...(spool ? { spool } : {}),
      port: smtpPort,
      serverName: this.settings.hostname,
      closeTimeoutMs: 2_000,
    });
    try {
      await this.standIn.start();
    } catch (error) {
      this.standIn = undefined;
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new SmtpPortInUseError(smtpPort);
      }
      throw error;
    }
    this.trigger = await startLocalTrigger(this.engine, this.drains, this.writeFiles ? runtimeDir(this.env) : undefined, this.env, out);
    if (lock) {
      this.activity = new ActivityTail(path.dirname(lock.file), (line) => out.info(line));
      await this.activity.start();
    }
    await lock?.write(this.runtimeInfo());
    if (lock && this.pointerRoot) {
      await writeRunnerPointer(this.pointerRoot, path.dirname(lock.file));
      this.pointerWritten = true;
    }
    // "ready" only once the CLI can find this runner (its runtime file is written).
    this.narration.routes(this.settings.probeIntervalSeconds, this.standIn.port);
    this.certificatesShown = announceCertificates(this.settings.routes, out, { clientName: this.settings.hostname });
    probeLoop.start();
    this.startCanaryLoop();
  }

  /** Sends one canary through the SES stand-in now (the loop does it every interval); undefined with "canary": false. */
  async sendCanary(): Promise<SendCanaryResult | undefined> {
    return this.canary?.send();
  }

  /**
   * SIGHUP, like `postfix reload`: reads and validates the configuration file
   * again; its routes replace the running ones for the next probe rounds and
   * drains (config-reload.ts says what else needs a restart). An invalid file
   * keeps the running configuration. Resolves with the one line it printed.
   */
  reload(): Promise<string> {
    const next = this.reloading.then(() => this.reloadOnce());
    this.reloading = next.catch(() => undefined);
    return next;
  }

  private async reloadOnce(): Promise<string> {
    const { out, aws, lock } = this.parts;
    const keep = (why: string) => {
      const line = `reload: ${why}; keeping the running configuration`;
      out.warn(line);
      return line;
    };
    if (this.stopping) return keep('stopping');
    let next: LoadedConfig;
    try {
      next = await loadRunnerConfig(this.env, this.parts.cwd);
    } catch (error) {
      return keep(oneLine((error as Error).message));
    }
    const plan = planReload(this.config, next.config);
    if (plan.refused) return keep(`${next.source}: ${plan.refused}`);
    let resources: Provisioned;
    let settings: Settings;
    try {
      // Queues and topics of added routes; the existing ones are found again, as at a restart.
      resources = await aws.provision(resourceNames(this.parts.namePrefix, plan.config));
      settings = localSettings(plan.config, resources, this.env);
    } catch (error) {
      return keep(`${next.source}: ${oneLine((error as Error).message)}`);
    }
    if (this.stopping) return keep('stopping');
    // Swap first, so a drain started from now on takes the new route; then the
    // drains still holding an old one finish their transactions and stop.
    this.parts.loaded = { ...next, config: plan.config };
    this.parts.settings = settings;
    this.parts.resources = resources;
    this.engine.useRoutes(settings.routes);
    this.probe.useRoutes(settings.routes);
    this.standIn?.useRoutes(standInRoutes(plan.config, resources));
    await Promise.all([this.drains.settle([...plan.removed, ...plan.changed]), this.parts.probeLoop.restart()]);
    const queued = new Map<string, number>();
    for (const name of plan.removed) {
      queued.set(name, (await this.engine.deps.index.listQueued(name).catch(() => [])).length);
    }
    // The CLI reads the routes from the runtime file (a stop that began meanwhile has removed it).
    if (!this.stopping) await lock?.write(this.runtimeInfo());
    const line = describeReload(plan, next.source, queued);
    out.info(line);
    return line;
  }

  /** Like the stack's schedule: the first canary after one interval, then one every interval. */
  private startCanaryLoop(): void {
    const canary = this.parts.loaded.config.canary;
    if (!this.canary || !canary) return;
    const periodMs = canaryIntervalSecondsFromEnv(this.env, canary.intervalMinutes) * 1000;
    const { out } = this.parts;
    this.canaryLoop = new ProbeLoop({ invoke: () => this.sendCanary(), periodMs, firstDelayMs: periodMs, onError: (error) => out.warn(`canary: ${error.message}`) });
    out.info(`canary: every ${periodMs / 1000} s to ${canary.address} through the SES stand-in, dropped before delivery`);
    this.canaryLoop.start();
  }

  /**
   * Stops taking mail and starting deliveries, waits at most `stopWaitMs` for
   * the deliveries in progress, gives the drain leases back, closes every port.
   */
  stop(options: { quiet?: boolean; stopWaitMs?: number } = {}): Promise<void> {
    this.stopping ??= this.shutdown(options);
    return this.stopping;
  }

  private async shutdown({ quiet = false, stopWaitMs = DEFAULT_STOP_WAIT_SECONDS * 1000 }: { quiet?: boolean; stopWaitMs?: number }): Promise<void> {
    const { out, probeLoop, aws, lock, dataDir } = this.parts;
    await stopDeliveries(
      {
        engine: this.engine,
        drains: this.drains,
        deliveries: this.deliveries,
        closeInbound: () => Promise.all([this.canaryLoop?.stop(), this.standIn?.stop(), this.trigger?.stop(), probeLoop.stop()]),
        out,
        leaseOwner: `local-${process.pid}`,
        ...(dataDir ? { dataDir } : {}),
      },
      { waitMs: stopWaitMs, quiet },
    );
    await this.activity?.stop();
    if (this.pointerWritten && this.pointerRoot) await removeRunnerPointer(this.pointerRoot).catch(() => undefined);
    await lock?.release();
    if (!quiet) {
      this.totals.hold(this.metrics.longestHold);
      const summary = this.totals.describe();
      if (summary) out.info(`this run: ${summary}`);
      out.info('stopped; every port is closed');
    }
    out.close();
    await aws.close();
  }

  /** Publishes a notification, then indexes it for mailq: what the accept Lambda does on SNS in AWS. */
  private publisher(source: 'smtp' | 'spool'): NotificationPublisher {
    const publish = snsPublisher(this.parts.aws.clients.sns);
    return async (topicArn, message) => {
      await publish(topicArn, message);
      try {
        const accepted = await this.engine.accept(message);
        // The canary is no mail: measured, not queued.
        if (accepted.outcome === 'canary') return this.events.emit('canary', { messageId: accepted.messageId, roundTripSeconds: accepted.roundTripSeconds, at: new Date() });
      } catch (error) {
        // The queue holds the message whatever happens here; only mailq misses it.
        this.parts.out.warn(`could not index a message for mailq: ${(error as Error).message}`);
      }
      try {
        const { messageId, sender, recipients } = parseSesNotification(message);
        // Looked up per message: a reload may have added the route.
        const route = this.parts.resources.routes.find((r) => r.topicArn === topicArn)?.name ?? '';
        this.events.emit('queued', { messageId, route, sender, recipients, at: new Date(), source });
      } catch {
        // The stand-in built this notification; accept above already reported a malformed one.
      }
    };
  }

  private async releaseStaleLeases(pid: number): Promise<void> {
    for (const route of this.settings.routes) {
      await this.engine.deps.routeState.releaseLease(route.name, `local-${pid}`);
    }
    this.parts.out.info(`the previous run (pid ${pid}) did not stop cleanly; released its drain leases`);
  }

  private runtimeInfo(): RuntimeInfo {
    const { resources, dataDir } = this.parts;
    return {
      pid: process.pid,
      startedAt: this.startedAt,
      region: this.config.region,
      endpoints: this.endpoints,
      bucketName: this.settings.bucketName,
      tableName: this.settings.tableName,
      deadLetterQueueUrl: this.settings.deadLetterQueueUrl,
      routes: resources.routes.map((r) => ({ name: r.name, queueUrl: r.queue.url, topicArn: r.topicArn })),
      smtpPort: this.smtpPort,
      ...(this.trigger ? { triggerPort: this.trigger.port } : {}),
      settings: this.settings,
      ...(dataDir ? { dataDir } : {}),
      // What the CLI needs to act as this runner does: files only, never a secret's value.
      configFile: this.parts.loaded.source,
      configFromCdkJson: this.parts.loaded.fromCdkJson,
      ...(this.parts.loaded.digest ? { configDigest: this.parts.loaded.digest } : {}),
      ...(this.env[LOCAL_SECRETS_ENV] ? { secretsFile: path.resolve(this.parts.cwd, this.env[LOCAL_SECRETS_ENV]!) } : {}),
    };
  }
}
