// The composition root: what a program watches is wrapped in while the
// engine is built (never patched in afterwards), and the platform, not the
// process environment, says which region the engine is in.
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsClients, type AwsClients } from '../../../lambdas/adapters/aws/clients.js';
import { DynamoRouteState } from '../../../lambdas/adapters/aws/dynamo-route-state.js';
import { SqsMailQueue } from '../../../lambdas/adapters/aws/sqs-mail-queue.js';
import { DnsAddressGuard } from '../../../lambdas/adapters/dns/dns-address-guard.js';
import { RecordingDeliveryLog, RecordingMetrics } from '../../../lambdas/adapters/fakes/index.js';
import { NodemailerTransportFactory } from '../../../lambdas/adapters/smtp/nodemailer-transport.js';
import { SmtpProbe } from '../../../lambdas/adapters/smtp/smtp-probe.js';
import { composeEngine, DEFAULT_CONCURRENCY } from '../../../lambdas/app/compose.js';
import { composeBackupMx } from '../../../lambdas/app/composition.js';
import { loadSettings, settingsToEnv } from '../../../lambdas/config/settings.js';
import type { MailQueue, SmtpTransportFactory } from '../../../lambdas/core/drain/ports.js';
import type { PrimaryProbe, RouteState } from '../../../lambdas/core/probe/ports.js';

const settings = loadSettings(
  settingsToEnv({
    routes: [{ name: 'corp', domains: ['example.com'], primary: { host: '127.0.0.1', port: 2526, tls: 'none' }, queueUrl: 'http://127.0.0.1:1/000000000000/corp', bouncePolicy: 'dsn' }],
    tableName: 't',
    bucketName: 'b',
    deadLetterQueueUrl: 'http://127.0.0.1:1/000000000000/dlq',
    hostname: 'backup.example.com',
  }),
);
const route = settings.routes[0]!;

let clients: AwsClients | undefined;
const platform = (region: string) => (clients = createAwsClients({ region, endpoint: 'http://127.0.0.1:1', env: {} }));
afterEach(() => clients?.destroy());

const quiet = { log: new RecordingDeliveryLog(), metrics: new RecordingMetrics() };

describe('composeEngine', () => {
  it('wraps the route state, the transports, the queues and the scheduled probe with the observers while building', () => {
    const seen: { routeState?: RouteState; transports?: SmtpTransportFactory; queue?: MailQueue[]; probe?: PrimaryProbe } = { queue: [] };
    const tag = <T extends object>(inner: T, label: string) => Object.assign(Object.create(inner) as T, { label });
    const parts = composeEngine(settings, platform('us-east-1'), {
      ...quiet,
      observe: {
        routeState: (inner) => ((seen.routeState = inner), tag(inner, 'narrated')),
        transports: (inner) => ((seen.transports = inner), tag(inner, 'counted')),
        queue: (inner) => (seen.queue!.push(inner), tag(inner, 'timed')),
        probe: (inner) => ((seen.probe = inner), tag(inner, 'observed')),
      },
    });
    expect(seen.routeState).toBeInstanceOf(DynamoRouteState);
    expect((parts.deps.routeState as { label?: string }).label).toBe('narrated');
    expect(seen.transports).toBeInstanceOf(NodemailerTransportFactory);
    expect((parts.deps.transports as { label?: string }).label).toBe('counted');
    // One wrapped queue per route, kept: the drain and the probe see the same one.
    const queue = parts.deps.queues(route);
    expect((queue as { label?: string }).label).toBe('timed');
    expect(parts.deps.queues(route)).toBe(queue);
    expect(seen.queue).toHaveLength(1);
    expect(seen.queue![0]).toBeInstanceOf(SqsMailQueue);
    // The rounds' probe is the engine's own SMTP check (with AUTH), observed; verify's probe is not.
    expect((parts.scheduledProbe(1_000) as { label?: string }).label).toBe('observed');
    expect(seen.probe).toBeInstanceOf(SmtpProbe);
    expect((parts.primaryProbe(1_000) as { label?: string }).label).toBeUndefined();
  });

  it('builds the bare adapters without observers, and takes the concurrency as an option', () => {
    const parts = composeEngine(settings, platform('us-east-1'), { ...quiet, concurrency: 7 });
    expect(parts.deps.routeState).toBeInstanceOf(DynamoRouteState);
    expect(parts.deps.transports).toBeInstanceOf(NodemailerTransportFactory);
    expect(parts.deps.queues(route)).toBeInstanceOf(SqsMailQueue);
    expect(parts.options.concurrency).toBe(7);
    expect(composeEngine(settings, platform('us-east-1'), quiet).options.concurrency).toBe(DEFAULT_CONCURRENCY);
  });

  it("the loop guard watches SES's inbound host of the platform's region, whatever AWS_REGION says", () => {
    const before = process.env.AWS_REGION;
    process.env.AWS_REGION = 'ap-southeast-2';
    try {
      const guard = composeEngine(settings, platform('eu-west-1'), quiet).addressGuard();
      expect(guard).toBeInstanceOf(DnsAddressGuard);
      expect((guard as unknown as { options: { sesInboundHosts: string[] } }).options.sesInboundHosts).toEqual(['inbound-smtp.eu-west-1.amazonaws.com']);
    } finally {
      if (before === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = before;
    }
  });

  it('the engine exposes no dependency: they come beside it from the composition root, read-only, so no program swaps one after construction', () => {
    const { engine, deps } = composeBackupMx(settings, { clients: platform('us-east-1'), ...quiet });
    const reach = () => {
      // @ts-expect-error deps is private: wiring code takes them from composeBackupMx, a command calls use cases.
      void engine.deps;
      // @ts-expect-error clients is private too.
      void engine.clients;
    };
    const assign = () => {
      // @ts-expect-error deps is Readonly<EngineDeps>: wrap through EngineOverrides.observe instead.
      deps.routeState = deps.routeState;
    };
    expect(typeof reach).toBe('function');
    expect(typeof assign).toBe('function');
    expect(deps.routeState).toBeInstanceOf(DynamoRouteState);
  });
});
