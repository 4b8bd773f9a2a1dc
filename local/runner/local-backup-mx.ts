// The local backup MX behind `npm start`, `npm run demo` and the end-to-end
// tests: local AWS (embedded emulators, or LocalStack via AWS_ENDPOINT_URL)
// with the stack's resources, the SES stand-in on 127.0.0.1, and the engine
// the Lambdas run: accept after each message (there is no SNS→Lambda here),
// the probe on a loop (no scheduler here), drains in this process.
import path from 'node:path';
import { InProcessDrainStarter, type Engine } from '../../lambdas/app/engine.js';
import { composeBackupMx, type Composition } from '../../lambdas/app/composition.js';
import type { Settings } from '../../lambdas/config/settings.js';
import type { BackupMxConfig } from '../../lib/config/backup-mx-config.js';
import { ActivityTail } from '../activity-log.js';
import { listSome } from '../words.js';
import { runtimeDir, type RuntimeInfo } from '../runtime-file.js';
import { removeRunnerPointer, writeRunnerPointer } from '../runner-pointers.js';
import type { NotificationPublisher } from '../ses-standin/ports.js';
import { LineDeliveryLog, SummaryMetrics } from './line-output.js';
import { CountedTransports } from './counted-transports.js';
import { LocalBounceMailer } from './local-bounce-mailer.js';
import { Narration } from './narration.js';
import { describeCheck, ObservedProbe } from './observed-probe.js';
import type { ProbeLoop } from './probe-loop.js';
import { canaryIntervalSecondsFromEnv, runnerProcessEnv } from './runner-config.js';
import { RunnerEventBus } from './runner-events.js';
import { RunTotals } from './run-totals.js';
import { releaseStaleLeases, stopDeliveries } from './graceful-stop.js';
import { startLocalTrigger } from './trigger-hook.js';
import type { TriggerListener } from './trigger-listener.js';
import { localSecretOverrides } from './local-secrets.js';
import { announceCertificates } from './primary-certificates.js';
import { localSendCanary } from '../../lambdas/app/canary-app.js';
import type { SendCanary, SendCanaryResult } from '../../lambdas/core/canary/send-canary.js';
import { SmtpCanaryMailer } from './smtp-canary-mailer.js';
import { acceptingPublisher } from './accept-publisher.js';
import { DEFAULT_STOP_WAIT_SECONDS, type LocalBackupMxOptions, type RunnerParts } from './local-backup-mx-options.js';
import { reloadOnce } from './runner-reload.js';
import { openRunnerParts } from './runner-parts.js';
import { openStandIn } from './stand-in-open.js';
import { startCanaryLoop } from './canary-loop.js';
import type { SesStandIn } from '../ses-standin/ses-standin.js';
import { runnerRuntimeInfo } from './runner-runtime-info.js';
import { composeRecipientSync } from '../../lambdas/app/compose-recipients.js';
import type { SyncRecipients } from '../../lambdas/core/recipients/sync-recipients.js';
import type { SyncedRoute } from '../../lambdas/core/recipients/synced-route.js';
import { syncedRoutes } from '../../lib/config/recipient-sync.js';
import { LOCAL_RECIPIENT_RULES } from '../ses-standin/synced-lists.js';

export { DEFAULT_STOP_WAIT_SECONDS, SmtpPortInUseError, type LocalBackupMxOptions } from './local-backup-mx-options.js';

export class LocalBackupMx {
  readonly events = new RunnerEventBus();
  readonly metrics = new SummaryMetrics();
  /** The drains' summaries added up, for the line at stop. */
  readonly totals = new RunTotals();
  readonly engine: Engine;
  /** The engine, the operator's use cases (the demo) and what they are built from: this runner's wiring (leases at stop, the spool, the trigger) and tests only. */
  readonly composed: Composition;
  /** Pushes of the synced routes' recipient lists (core/recipients); the stand-in reads what they store. */
  readonly recipients: SyncRecipients;
  private readonly syncFor: (routes: SyncedRoute[]) => SyncRecipients;
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
    private readonly parts: RunnerParts,
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
    this.composed = composeBackupMx(this.settings, {
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
    this.engine = this.composed.engine;
    this.deliveries = counted!;
    // Built on the routes as loaded now; a push over HTTP builds it again on the routes after any reload.
    this.syncFor = (routes) => composeRecipientSync({ doc: aws.clients.doc, s3: aws.clients.s3, tableName: this.settings.tableName, bucketName: this.settings.bucketName, routes, rules: LOCAL_RECIPIENT_RULES, log }).sync;
    this.recipients = this.syncFor(syncedRoutes(parts.loaded.config.routes));
    const canary = parts.loaded.config.canary;
    this.canary = canary ? localSendCanary(this.composed, new SmtpCanaryMailer(() => this.smtpPort), canary.intervalMinutes) : undefined;
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
    const env = options.env ?? runnerProcessEnv();
    let mx: LocalBackupMx | undefined;
    const { parts, smtpPort } = await openRunnerParts(options, env, () => mx!.engine.probe(mx!.drains));
    try {
      mx = new LocalBackupMx(parts, options, env);
      await mx.open(smtpPort);
      return mx;
    } catch (error) {
      if (mx) await mx.stop({ quiet: true });
      else {
        await parts.aws.close();
        await parts.lock?.release();
      }
      throw error;
    }
  }

  private async open(smtpPort: number): Promise<void> {
    const { out, aws, lock, loaded, probeLoop } = this.parts;
    out.plain(`backup-mx local: configuration from ${loaded.source}`);
    out.plain(`backup-mx local: ${aws.describe()}`);
    if (lock?.stale) await releaseStaleLeases(this.composed.deps.routeState, this.settings.routes, lock.stale.pid, out);

    this.standIn = await openStandIn({ parts: this.parts, ledger: this.composed.deps.ledger, operator: this.composed.operator, publisher: (source) => this.publisher(source), smtpPort, verbose: this.verbose });
    const syncedNow = () => syncedRoutes(this.parts.loaded.config.routes);
    this.trigger = await startLocalTrigger(this.composed, this.drains, this.writeFiles ? runtimeDir(this.env) : undefined, this.env, out, {
      sync: { push: (...args) => this.syncFor(syncedNow()).push(...args) },
      routes: syncedNow,
    });
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
    const canary = this.parts.loaded.config.canary;
    if (this.canary && canary) this.canaryLoop = startCanaryLoop(canary, canaryIntervalSecondsFromEnv(this.env, canary.intervalMinutes), () => this.sendCanary(), out);
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
    const next = this.reloading.then(() =>
      reloadOnce({
        parts: this.parts,
        env: this.env,
        engine: this.engine, operator: this.composed.operator,
        probe: this.probe,
        drains: this.drains,
        standIn: this.standIn,
        stopping: () => this.stopping !== undefined,
        writeRuntimeInfo: async () => this.parts.lock?.write(this.runtimeInfo()),
      }),
    );
    this.reloading = next.catch(() => undefined);
    return next;
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
        engine: this.engine, leases: this.composed.deps.routeState, operator: this.composed.operator,
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

  private publisher(source: 'smtp' | 'spool'): NotificationPublisher {
    const routeOfTopic = (topicArn: string) => this.parts.resources.routes.find((r) => r.topicArn === topicArn)?.name;
    return acceptingPublisher({ sns: this.parts.aws.clients.sns, engine: this.engine, events: this.events, out: this.parts.out, routeOfTopic }, source);
  }

  private runtimeInfo(): RuntimeInfo {
    return runnerRuntimeInfo({ parts: this.parts, startedAt: this.startedAt, smtpPort: this.smtpPort, ...(this.trigger ? { triggerPort: this.trigger.port } : {}), env: this.env });
  }
}
