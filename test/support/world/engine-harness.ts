// Wires every use case to the fake world (fake-world.ts), with one route and
// recording edges, for scenario tests.
import {
  InMemoryDeliveryRecords,
  InMemoryHeldNotices,
  InMemoryNoticeBudget,
  InMemoryProblemStates,
  InMemoryQueueDepth,
  RecordingBounceMailer,
  RecordingDeliveryLog,
  RecordingDrainStarter,
  RecordingMetrics,
  RecordingSmtpTransportFactory,
  ScriptedProbe,
} from '../../../lambdas/adapters/fakes/index.js';
import { parseSesNotification } from '../../../lambdas/adapters/ses/ses-notification.js';
import { DrainRoute } from '../../../lambdas/core/drain/drain-route.js';
import type { EngineOptions } from '../../../lambdas/core/drain/drain-deps.js';
import type { Route } from '../../../lambdas/core/model.js';
import { ProbePrimaries } from '../../../lambdas/core/probe/probe-primaries.js';
import { DEFAULT_THRESHOLDS } from '../../../lambdas/core/problems/route-conditions.js';
import { WatchProblems } from '../../../lambdas/core/problems/watch-problems.js';
import { SweepRoute } from '../../../lambdas/core/sweep/sweep-route.js';
import { rawMessage, sesNotification, type SesNotificationOptions } from '../aws/ses-events.js';
import { engineDeps, fakeWorld, proberDeps } from './fake-world.js';

export const route: Route = {
  name: 'main',
  domains: ['example.com'],
  primary: { host: 'mail.example.com', port: 2525, tls: 'opportunistic' },
  queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/backup-mx-main',
  bouncePolicy: 'dsn',
};

export function harness(options: Partial<EngineOptions> = {}, routeOverrides: Partial<Route> = {}) {
  const world = fakeWorld('2026-01-05T10:00:00Z');
  const { clock, queue } = world;
  const theRoute: Route = { ...route, ...routeOverrides };
  const deps = engineDeps(world, {
    transports: new RecordingSmtpTransportFactory(),
    bounces: new RecordingBounceMailer(),
    log: new RecordingDeliveryLog(),
    metrics: new RecordingMetrics(),
    parse: parseSesNotification,
    // As in the stack: each route's notices per hour, the overflow held for the operator.
    noticeBudget: new InMemoryNoticeBudget(),
    heldNotices: new InMemoryHeldNotices(),
    // The drain's record of its runs, which the probe's evaluation reads (core/problems).
    deliveryRecords: new InMemoryDeliveryRecords(),
  });
  /** The probe's evaluation, as in the stack: its own records, the drain's, the dead-letter queue's depth. */
  const problemStates = new InMemoryProblemStates();
  const deadLetterQueue = new InMemoryQueueDepth();
  const engineOptions: EngineOptions = { hostname: 'mx2.example.com', concurrency: 1, ...options };
  const drain = new DrainRoute(deps, engineOptions);
  const sweep = new SweepRoute(deps, engineOptions);
  const probe = new ScriptedProbe();
  const drains = new RecordingDrainStarter();

  /** Stores the raw message and queues its notification, as SES + SNS would. */
  async function arrive(opts: SesNotificationOptions & { raw?: string | Buffer } = {}) {
    const messageId = opts.messageId ?? `msg${Math.random().toString(36).slice(2, 10)}`;
    const recipients = opts.recipients ?? ['bob@example.com'];
    const body = sesNotification({ timestamp: clock.now(), ...opts, messageId, recipients });
    const key = `inbound/main/${messageId}`;
    deps.store.put(key, opts.raw ?? rawMessage({ messageId, sender: opts.sender ?? 'alice@sender.example', to: recipients[0] }));
    await queue.enqueue(body);
    return { messageId, key, body };
  }

  return {
    route: theRoute,
    queue,
    deps,
    ...deps,
    drain,
    sweep,
    probe,
    drains,
    arrive,
    problemStates,
    deadLetterQueue,
    runDrain: (budgetSeconds = 600, owner = 'drain-1') => drain.run(theRoute, { owner, budgetSeconds }),
    runSweep: (budgetSeconds = 600, owner = 'sweep-1') => sweep.run(theRoute, { owner, budgetSeconds }),
    prober: (probeIntervalSeconds = 60) =>
      new ProbePrimaries(
        proberDeps(world, {
          routes: [theRoute],
          probe,
          index: deps.index,
          drains,
          metrics: deps.metrics,
          log: deps.log,
          heldNotices: deps.heldNotices,
          deadLetters: deps.deadLetters,
          problems: new WatchProblems(
            { states: problemStates, deliveries: deps.deliveryRecords, deadLetterQueue, metrics: deps.metrics, log: deps.log, clock },
            { thresholds: DEFAULT_THRESHOLDS },
          ),
        }),
        { probeIntervalSeconds },
      ),
    /** Marks the primary down as the probe would. */
    async primaryDown() {
      await deps.routeState.saveHealth({ route: theRoute.name, status: 'down', since: clock.now(), lastCheckAt: clock.now(), consecutiveFailures: 3, lastError: 'connect: ECONNREFUSED' });
    },
  };
}
