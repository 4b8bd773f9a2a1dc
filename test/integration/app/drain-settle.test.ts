// What a SIGHUP reload of the local runner relies on: after
// Engine.useRoutes swaps a route's primary, InProcessDrainStarter.settle stops
// the drain still holding the old route. The transaction in progress finishes
// at the old primary, no other starts there, and the next drain delivers the
// rest to the new one: each message once, none lost.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingDeliveryLog, RecordingMetrics } from '../../../lambdas/adapters/fakes/index.js';
import { Engine, InProcessDrainStarter } from '../../../lambdas/app/engine.js';
import type { Settings } from '../../../lambdas/config/settings.js';
import { mainRouteSettings, startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';
import { ScriptedPrimary } from '../../support/smtp/scripted-primary.js';
import { rawMessage, sesNotification } from '../../support/aws/ses-events.js';

const MESSAGES = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a reloaded route: the drain holding the old primary settles', () => {
  let env: EmulatorEnv;
  let oldPrimary: ScriptedPrimary;
  let newPrimary: ScriptedPrimary;

  beforeAll(async () => {
    env = await startEmulatorEnv({ routes: ['main'] });
    oldPrimary = await ScriptedPrimary.start({ starttls: 'off', script: { replyDelayMs: 800 } });
    newPrimary = await ScriptedPrimary.start({ starttls: 'off' });
  });
  afterAll(async () => {
    await oldPrimary?.stop();
    await newPrimary?.stop();
    await env?.stop();
  });

  /** One transaction at a time, so the drain is mid-queue when the reload comes. */
  const oneAtATime = (settings: Settings): Settings => ({
    ...settings,
    routes: settings.routes.map((route) => ({ ...route, primary: { ...route.primary, messagesInFlight: 1 } })),
  });

  it('finishes the transaction in progress at the old primary, starts none there after, and the next drain delivers the rest to the new one', async () => {
    const engine = new Engine(oneAtATime(mainRouteSettings(env, oldPrimary.port, { smtpTimeoutMs: 5_000 })), {
      clients: env.clients,
      log: new RecordingDeliveryLog(),
      metrics: new RecordingMetrics(),
    });
    for (let i = 0; i < MESSAGES; i++) {
      const messageId = `settle${String(i).padStart(4, '0')}`;
      await env.clients.s3.send(new PutObjectCommand({ Bucket: env.resources.bucketName, Key: `mail/main/${messageId}`, Body: rawMessage({ messageId, to: 'bob@example.com', subject: `settle ${i}` }) }));
      const body = sesNotification({ messageId, timestamp: new Date(), recipients: ['bob@example.com'], bucketName: env.resources.bucketName, objectKeyPrefix: 'mail/main/' });
      await env.clients.sqs.send(new SendMessageCommand({ QueueUrl: env.resources.routes[0]!.queue.url, MessageBody: body }));
    }
    const drains = new InProcessDrainStarter(engine, 60);
    await drains.start('main');
    // The first transaction has reached its final dot: the old primary is mid-reply.
    const deadline = Date.now() + 10_000;
    while (oldPrimary.messages.length === 0 && Date.now() < deadline) await sleep(20);
    expect(oldPrimary.messages.length).toBe(1);

    engine.useRoutes(oneAtATime(mainRouteSettings(env, newPrimary.port)).routes);
    await drains.settle(['main']);
    const atOld = oldPrimary.messages.length;
    await sleep(1_500); // a transaction started after settle would reach the old primary now
    expect(oldPrimary.messages.length).toBe(atOld);
    expect(atOld).toBeLessThan(MESSAGES);

    await drains.start('main');
    await drains.idle();
    const subjects = [...oldPrimary.messages, ...newPrimary.messages].map((m) => /^Subject: (.*)$/m.exec(m.raw.toString('latin1'))?.[1]).sort();
    expect(subjects).toEqual(Array.from({ length: MESSAGES }, (_, i) => `settle ${i}`));
    expect(newPrimary.messages.length).toBe(MESSAGES - atOld);
  });
});
