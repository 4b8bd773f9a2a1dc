import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PowertoolsDeliveryLog } from '../../../lambdas/adapters/aws/powertools-delivery-log.js';
import { PowertoolsMetrics, drainStopDimensions, metricDimensions, stackMetricDimensions } from '../../../lambdas/adapters/aws/powertools-metrics.js';
import { lambdaMetrics } from '../../../lambdas/app/engine.js';

let lines: string[];
beforeEach(() => {
  lines = [];
  // Lambda's console sends warnings and errors to stderr: collect both, in order.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    });
  }
  // Powertools stays silent or pretty-prints in dev mode; the tests need Lambda's behaviour.
  vi.stubEnv('POWERTOOLS_DEV', '');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const ATTEMPT_KEYS = ['messageId', 'recipient', 'relay', 'delaySeconds', 'dsn', 'status', 'reply', 'route'];

describe('PowertoolsDeliveryLog', () => {
  it('writes one JSON line per attempt with the same keys every time', () => {
    const log = new PowertoolsDeliveryLog(new Logger({ serviceName: 'backup-mx' }));
    log.attempt({
      messageId: 'm1',
      recipient: 'a@example.com',
      relay: 'mx1.example.com[192.0.2.1]:25',
      delaySeconds: 312,
      dsn: '2.0.0',
      status: 'delivered',
      reply: '250 2.0.0 Ok',
      route: 'main',
    });
    const extra = { messageId: 'm2', recipient: 'b@example.com', relay: 'none', delaySeconds: 0, dsn: '4.4.1', status: 'deferred', reply: 'connect: ECONNREFUSED', route: 'main', surprise: true };
    log.attempt(extra);
    expect(lines).toHaveLength(2);
    const [first, second] = lines.map((line) => JSON.parse(line));
    for (const entry of [first, second]) {
      for (const key of ATTEMPT_KEYS) expect(entry).toHaveProperty(key);
      expect(entry.message).toBe('delivery attempt');
      expect(entry.level).toBe('INFO');
    }
    expect(second.surprise).toBeUndefined();
    expect(first).toMatchObject({ messageId: 'm1', delaySeconds: 312, status: 'delivered', dsn: '2.0.0' });
  });

  it('passes info, warn and error through with their fields', () => {
    const log = new PowertoolsDeliveryLog(new Logger({ serviceName: 'backup-mx' }));
    log.warn('primary down', { route: 'main' });
    log.error('drain failed', { route: 'main' });
    const parsed = lines.map((line) => JSON.parse(line));
    expect(parsed.map((p) => [p.level, p.message, p.route])).toEqual([
      ['WARN', 'primary down', 'main'],
      ['ERROR', 'drain failed', 'main'],
    ]);
  });
});

describe('PowertoolsMetrics', () => {
  it('writes EMF in the BackupMx namespace, one line per route with a route dimension', () => {
    const metrics = new PowertoolsMetrics({ stackName: 'BackupMx', detailed: true });
    metrics.count('Delivered', 1, 'main');
    metrics.count('Delivered', 2, 'main');
    metrics.count('Deferred', 1, 'other');
    metrics.delay(42, 'main');
    metrics.flush();
    const emf = lines.map((line) => JSON.parse(line));
    expect(emf).toHaveLength(2);
    const main = emf.find((e) => e.route === 'main');
    const other = emf.find((e) => e.route === 'other');
    const directive = main._aws.CloudWatchMetrics[0];
    expect(directive.Namespace).toBe('BackupMx');
    expect(directive.Dimensions[0]).toContain('route');
    expect(directive.Metrics).toEqual(
      expect.arrayContaining([
        { Name: 'Delivered', Unit: 'Count' },
        { Name: 'DeliveryDelay', Unit: 'Seconds' },
      ]),
    );
    expect(main.Delivered).toEqual([1, 2]);
    expect(main.DeliveryDelay).toBe(42);
    expect(other.Deferred).toBe(1);
  });

  it('writes exactly the dimension set metricDimensions() names, whatever POWERTOOLS_SERVICE_NAME says', () => {
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'backup-mx-drain'); // the stack sets one per function
    const metrics = new PowertoolsMetrics({ stackName: 'BackupMx', detailed: true });
    metrics.count('PrimaryUp', 1, 'main');
    metrics.flush();
    const emf = JSON.parse(lines[0]!);
    const names: string[] = emf._aws.CloudWatchMetrics[0].Dimensions[0];
    expect(emf._aws.CloudWatchMetrics[0].Dimensions).toHaveLength(1);
    expect(Object.fromEntries(names.map((n) => [n, emf[n]]))).toEqual(metricDimensions('BackupMx', 'main'));
    expect(metricDimensions('BackupMx', 'main')).toEqual({ service: 'backup-mx', stack: 'BackupMx', route: 'main' });
  });

  it('two stacks with a route of the same name write two series: one\'s PrimaryUp 1 cannot hide the other\'s 0', () => {
    for (const [stackName, up] of [['BackupMx', 1], ['BackupMx-eu', 0]] as const) {
      const metrics = new PowertoolsMetrics({ stackName, detailed: true });
      metrics.count('PrimaryUp', up, 'main');
      metrics.flush();
    }
    const emf = lines.map((line) => JSON.parse(line));
    expect(emf.map((e) => [e.stack, e.route, e.PrimaryUp])).toEqual([['BackupMx', 'main', 1], ['BackupMx-eu', 'main', 0]]);
    for (const e of emf) expect(e._aws.CloudWatchMetrics[0].Dimensions[0]).toContain('stack');
    expect(metricDimensions('BackupMx', 'main')).not.toEqual(metricDimensions('BackupMx-eu', 'main'));
  });

  it('a Lambda whose environment lacks the stack name fails at once, naming the variable (its metrics would match no alarm)', () => {
    expect(() => lambdaMetrics({})).toThrow(/BACKUPMX_STACK_NAME: required .*deploy again/);
    expect(lambdaMetrics({ stackName: 'BackupMx' })).toBeInstanceOf(PowertoolsMetrics);
  });

  it('writes nothing when nothing was counted, and nothing twice', () => {
    const metrics = new PowertoolsMetrics({ stackName: 'BackupMx', detailed: true });
    metrics.flush();
    metrics.count('PrimaryUp', 1, 'main');
    metrics.flush();
    metrics.flush();
    expect(lines.filter((line) => line.includes('CloudWatchMetrics'))).toHaveLength(1);
  });
});

describe('PowertoolsMetrics: queue figures and drain stops', () => {
  it('writes QueuedMessages (Count) and OldestQueuedAgeSeconds (Seconds) with the route dimensions the alarms ask for', () => {
    const metrics = new PowertoolsMetrics({ stackName: 'BackupMx', detailed: true });
    metrics.gauge('QueuedMessages', 7, 'corp');
    metrics.gauge('OldestQueuedAgeSeconds', 3600, 'corp');
    metrics.flush();
    const emf = lines.map((l) => JSON.parse(l)).find((e) => e._aws);
    expect(emf).toMatchObject({ ...metricDimensions('BackupMx', 'corp'), QueuedMessages: 7, OldestQueuedAgeSeconds: 3600 });
    const defs = emf._aws.CloudWatchMetrics[0];
    expect(defs.Dimensions[0].sort()).toEqual(Object.keys(metricDimensions('BackupMx', 'corp')).sort());
    expect(defs.Metrics).toEqual(expect.arrayContaining([{ Name: 'QueuedMessages', Unit: 'Count' }, { Name: 'OldestQueuedAgeSeconds', Unit: 'Seconds' }]));
  });

  it('writes DrainStopped with a reason dimension, on its own line per route and reason', () => {
    const metrics = new PowertoolsMetrics({ stackName: 'BackupMx', detailed: true });
    metrics.drainStopped('connection-failed', 'corp');
    metrics.drainStopped('queue-empty', 'corp');
    metrics.flush();
    const emf = lines.map((l) => JSON.parse(l)).filter((e) => e._aws);
    expect(emf).toHaveLength(2);
    const failed = emf.find((e) => e.reason === 'connection-failed');
    expect(failed).toMatchObject({ ...drainStopDimensions('BackupMx', 'corp', 'connection-failed'), DrainStopped: 1 });
    expect(failed._aws.CloudWatchMetrics[0].Dimensions[0].sort()).toEqual(['reason', 'route', 'service', 'stack']);
  });

  it('writes OrphanedQueueMessages (Count) with the service and stack dimensions, no route, on its own line', () => {
    const metrics = new PowertoolsMetrics({ stackName: 'BackupMx', detailed: true });
    metrics.count('Delivered', 1, 'corp');
    metrics.stackGauge('OrphanedQueueMessages', 4);
    metrics.flush();
    const emf = lines.map((l) => JSON.parse(l)).filter((e) => e._aws);
    expect(emf).toHaveLength(2);
    const orphaned = emf.find((e) => 'OrphanedQueueMessages' in e);
    expect(orphaned).toMatchObject({ ...stackMetricDimensions('BackupMx'), OrphanedQueueMessages: 4 });
    expect(orphaned.route).toBeUndefined();
    const defs = orphaned._aws.CloudWatchMetrics[0];
    expect(defs.Dimensions.map((set: string[]) => [...set].sort())).toEqual([['service', 'stack']]);
    expect(defs.Metrics).toEqual([{ Name: 'OrphanedQueueMessages', Unit: 'Count' }]);
  });
});
