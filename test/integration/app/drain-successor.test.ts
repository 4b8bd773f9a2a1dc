// A drain that runs out of time with mail left starts its successor once its
// lease is given back: the successor gets the lease at once (no overlap, no
// wait for the lease to expire or for the probe) and delivers the rest.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingDeliveryLog, RecordingMetrics } from '../../../lambdas/adapters/fakes/index.js';
import { Engine, InProcessDrainStarter } from '../../../lambdas/app/engine.js';
import type { DrainSummary } from '../../../lambdas/core/drain/drain-summary.js';
import type { DrainMode, DrainStarter } from '../../../lambdas/core/drain/ports.js';
import { mainRouteSettings, startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';
import { ScriptedPrimary } from '../../support/smtp/scripted-primary.js';
import { rawMessage, sesNotification } from '../../support/aws/ses-events.js';

describe('drain successor (emulators, a real primary)', () => {
  let env: EmulatorEnv;
  let primary: ScriptedPrimary;
  let engine: Engine;

  beforeAll(async () => {
    env = await startEmulatorEnv({ routes: ['main'] });
    primary = await ScriptedPrimary.start({ starttls: 'off' });
    const settings = mainRouteSettings(env, primary.port, { smtpTimeoutMs: 2_000 });
    engine = new Engine(settings, { clients: env.clients, log: new RecordingDeliveryLog(), metrics: new RecordingMetrics() });
  });
  afterAll(async () => {
    await primary?.stop();
    await env?.stop();
  });

  async function queue(count: number, prefix: string): Promise<void> {
    for (let i = 0; i < count; i++) {
      const messageId = `${prefix}${String(i).padStart(4, '0')}`;
      await env.clients.s3.send(new PutObjectCommand({ Bucket: env.resources.bucketName, Key: `mail/main/${messageId}`, Body: rawMessage({ messageId, to: 'bob@example.com' }) }));
      const body = sesNotification({ messageId, timestamp: new Date(), recipients: ['bob@example.com'], bucketName: env.resources.bucketName, objectKeyPrefix: 'mail/main/' });
      await env.clients.sqs.send(new SendMessageCommand({ QueueUrl: env.resources.routes[0]!.queue.url, MessageBody: body }));
    }
  }

  it('out of time with mail left: the successor takes the lease at once and delivers the rest', async () => {
    await queue(6, 'succ');
    const runs: DrainSummary[] = [];
    // Stands in for the Lambda invoke: the successor is a fresh run with a full budget.
    const successor: DrainStarter = {
      async start(route: string, mode?: DrainMode) {
        runs.push(await engine.drainAndHandOver({ route, mode }, { owner: 'second', budgetSeconds: 600 }, successor));
      },
    };
    // A budget already spent: the first drain stops before its first message.
    const first = await engine.drainAndHandOver({ route: 'main' }, { owner: 'first', budgetSeconds: 0 }, successor);
    expect(first).toMatchObject({ stoppedBecause: 'time-budget', delivered: 0 });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ stoppedBecause: 'queue-empty', delivered: 6 });
    expect(primary.messages).toHaveLength(6);
    expect(await engine.queue(engine.route('main')).depth()).toMatchObject({ visible: 0, inFlight: 0 });
  });

  it('a drain that empties its queue starts no successor', async () => {
    await queue(1, 'last');
    const started: string[] = [];
    const summary = await engine.drainAndHandOver({ route: 'main' }, { owner: 'only', budgetSeconds: 600 }, { start: async (route) => void started.push(route) });
    expect(summary.stoppedBecause).toBe('queue-empty');
    expect(started).toEqual([]);
  });

  it('the local runner goes on by itself after a drain out of time', async () => {
    await queue(3, 'local');
    const before = primary.messages.length;
    const drains = new InProcessDrainStarter(engine, 0); // every run out of time at once…
    const origin = engine.drain.bind(engine);
    let calls = 0;
    engine.drain = async (event, run) => origin(event, { ...run, budgetSeconds: ++calls === 1 ? 0 : 600 }); // …but the successor's
    try {
      await drains.start('main');
      await drains.idle();
    } finally {
      engine.drain = origin;
    }
    expect(drains.summaries.map((s) => s.stoppedBecause)).toEqual(['time-budget', 'queue-empty']);
    expect(primary.messages.length - before).toBe(3);
  });
});
