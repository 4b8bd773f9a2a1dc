// The handler wiring end to end on real adapters: emulators for AWS, a real
// SMTP server as the primary. Probe sees it down and starts nothing; once it
// is up the probe starts a drain that delivers the message with the envelope
// of the notification and the stored bytes behind one Received header.
import { PublishCommand } from '@aws-sdk/client-sns';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeBackupMx } from '../../../lambdas/app/composition.js';
import { InProcessDrainStarter, type Engine } from '../../../lambdas/app/engine.js';
import type { EngineDeps } from '../../../lambdas/core/drain/drain-deps.js';
import { makeAcceptHandler } from '../../../lambdas/handlers/accept.js';
import { makeDrainHandler } from '../../../lambdas/handlers/drain.js';
import { makeProbeHandler } from '../../../lambdas/handlers/probe.js';
import { RecordingDeliveryLog, RecordingMetrics } from '../../../lambdas/adapters/fakes/index.js';
import { mainRouteSettings, startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';
import { ScriptedPrimary } from '../../support/smtp/scripted-primary.js';
import { rawMessage, sesNotification } from '../../support/aws/ses-events.js';

describe('engine wiring (handlers on emulators and a real primary)', () => {
  let env: EmulatorEnv;
  let primary: ScriptedPrimary;
  let engine: Engine;
  /** What the engine is built from (the composition's output), to look behind it. */
  let deps: Readonly<EngineDeps>;

  beforeAll(async () => {
    env = await startEmulatorEnv({ routes: ['main'] });
    primary = await ScriptedPrimary.start({ starttls: 'off' });
    await primary.stop();
    const settings = mainRouteSettings(env, primary.port, { probeTimeoutMs: 1000 });
    ({ engine, deps } = composeBackupMx(settings, { clients: env.clients, log: new RecordingDeliveryLog(), metrics: new RecordingMetrics() }));
  });

  afterAll(async () => {
    await primary?.stop();
    await env?.stop();
  });

  it('holds mail while the primary is down and delivers it once the probe sees it up', async () => {
    const route = env.resources.routes[0]!;
    const raw = rawMessage({ sender: 'alice@sender.example', to: 'bob@example.com', body: 'caf\u00e9 8-bit body\r\n' });
    const messageId = 'wiring0000000000000000000001';
    const key = `mail/main/${messageId}`;
    await env.clients.s3.send(new PutObjectCommand({ Bucket: env.resources.bucketName, Key: key, Body: raw }));
    const notification = sesNotification({
      messageId,
      timestamp: new Date(),
      sender: 'alice@sender.example',
      recipients: ['bob@example.com', 'hidden@example.com'],
      bucketName: env.resources.bucketName,
      objectKeyPrefix: 'mail/main/',
      topicArn: route.topicArn,
    });
    await env.clients.sns.send(new PublishCommand({ TopicArn: route.topicArn, Message: notification }));

    const accept = makeAcceptHandler(() => engine);
    const acceptResult = await accept({ Records: [{ Sns: { Message: notification } }] } as never);
    expect(acceptResult.results[0]).toMatchObject({ outcome: 'indexed', messageId });
    expect((await deps.index.listQueued('main')).map((m) => m.messageId)).toEqual([messageId]);

    const drains = new InProcessDrainStarter(engine, 30);
    const probe = makeProbeHandler(() => engine, drains);
    const down = await probe();
    expect(down.rounds[0]![0]).toMatchObject({ route: 'main', status: 'down' });
    await drains.idle();
    expect(drains.summaries.filter((s) => s.mode === 'deliver')).toEqual([]);
    // The sweep that ran while the primary was down touched nothing and let the message go again.
    expect(drains.summaries).toMatchObject([{ mode: 'sweep', expired: 0, released: 1 }]);

    await primary.restart();
    const up = await probe();
    expect(up.rounds[0]![0]).toMatchObject({ route: 'main', status: 'up', started: 'deliver' });
    await drains.idle();

    expect(primary.messages).toHaveLength(1);
    const got = primary.messages[0]!;
    expect(got.from).toBe('alice@sender.example');
    expect(got.to.sort()).toEqual(['bob@example.com', 'hidden@example.com']);
    const text = got.raw.toString('latin1');
    expect(text.startsWith('Received: ')).toBe(true);
    expect(got.raw.subarray(got.raw.length - Buffer.byteLength(raw)).equals(Buffer.from(raw))).toBe(true);

    const outcomes = await deps.ledger.outcomes(messageId);
    expect([...outcomes.values()].map((o) => o.state)).toEqual(['delivered', 'delivered']);
    expect(await deps.index.listQueued('main')).toEqual([]);
    expect(await engine.queue(engine.route('main')).depth()).toMatchObject({ visible: 0, inFlight: 0 });

    // A drain with nothing to do reports an empty queue.
    const drain = makeDrainHandler(() => engine);
    const idle = await drain({ route: 'main' }, { awsRequestId: 'req-2', getRemainingTimeInMillis: () => 600_000 });
    expect(idle).toMatchObject({ route: 'main', mode: 'deliver', delivered: 0, stoppedBecause: 'queue-empty' });

    // The trigger's request: one route, checked now, answered with what the check found.
    expect(await probe({ route: 'main', reason: 'trigger' })).toMatchObject({ route: 'main', status: 'up', held: false, queued: 0 });
    await expect(probe({ route: 'nope', reason: 'trigger' })).rejects.toThrow(/no route named "nope"/);
  });
});
