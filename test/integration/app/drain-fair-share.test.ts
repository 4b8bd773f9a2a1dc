// Issue 19 item 5 on real adapters: the emulated queue, bucket and table, the
// nodemailer transport and a real SMTP server on loopback that refuses every
// 7th address. A message to 2,000 recipients queued ahead of 50 ordinary ones
// takes its share of transactions per turn: the 50 are not kept waiting behind
// its 200 transactions, every accepted recipient reaches the primary once,
// and its sender gets one DSN listing every refusal.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingBounceMailer, RecordingDeliveryLog, RecordingMetrics } from '../../../lambdas/adapters/fakes/index.js';
import { composeBackupMx } from '../../../lambdas/app/composition.js';
import { InProcessDrainStarter } from '../../../lambdas/app/engine.js';
import type { Settings } from '../../../lambdas/config/settings.js';
import { mainRouteSettings, startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';
import { ScriptedPrimary } from '../../support/smtp/scripted-primary.js';
import { rawMessage, sesNotification } from '../../support/aws/ses-events.js';

const BIG = Array.from({ length: 2000 }, (_, i) => `user${i}@example.com`);
const refused = (address: string) => /^user\d+@/.test(address) && Number(/\d+/.exec(address)![0]) % 7 === 3;

describe('a 2,000-recipient message among 50 ordinary ones, delivered to a real SMTP server', () => {
  let env: EmulatorEnv;
  let primary: ScriptedPrimary;

  beforeAll(async () => {
    env = await startEmulatorEnv({ routes: ['main'] });
    primary = await ScriptedPrimary.start({
      starttls: 'off',
      script: { rcpt: (to) => (refused(to) ? { code: 550, enhanced: '5.1.1', text: `<${to}>: Recipient address rejected: User unknown` } : 'accept') },
    });
  });
  afterAll(async () => {
    await primary?.stop();
    await env?.stop();
  });

  /** One session: the order in which the primary sees transactions is the order the drain chose. */
  const oneAtATime = (settings: Settings): Settings => ({
    ...settings,
    routes: settings.routes.map((route) => ({ ...route, primary: { ...route.primary, messagesInFlight: 1 } })),
  });

  async function queueMessage(messageId: string, sender: string, recipients: string[], subject: string) {
    await env.clients.s3.send(new PutObjectCommand({ Bucket: env.resources.bucketName, Key: `mail/main/${messageId}`, Body: rawMessage({ messageId, sender, to: recipients[0], subject }) }));
    const body = sesNotification({ messageId, sender, timestamp: new Date(), recipients, bucketName: env.resources.bucketName, objectKeyPrefix: 'mail/main/' });
    await env.clients.sqs.send(new SendMessageCommand({ QueueUrl: env.resources.routes[0]!.queue.url, MessageBody: body }));
  }

  it('delivers the 50 without waiting for the big one, each accepted recipient once, and one DSN with every refusal', async () => {
    const bounces = new RecordingBounceMailer();
    const log = new RecordingDeliveryLog();
    const { engine, deps } = composeBackupMx(oneAtATime(mainRouteSettings(env, primary.port, { smtpTimeoutMs: 10_000 })), { clients: env.clients, log, metrics: new RecordingMetrics(), bounces });
    await queueMessage('bigfairshare0001', 'alice@sender.example', BIG, 'big');
    for (let i = 0; i < 50; i++) await queueMessage(`ordinary${String(i).padStart(4, '0')}`, `s${i}@sender.example`, ['bob@example.com'], `ordinary ${i}`);

    const drains = new InProcessDrainStarter(engine, 120);
    await drains.start('main');
    await drains.idle();

    const subjects = primary.messages.map((m) => /^Subject: (.*)$/m.exec(m.raw.toString('latin1'))?.[1]);
    const lastOrdinary = subjects.lastIndexOf(subjects.filter((s) => s?.startsWith('ordinary')).at(-1));
    expect(subjects.filter((s) => s?.startsWith('ordinary'))).toHaveLength(50);
    // Without a share the big one's 200 transactions would all come first; with it, it alternates with the rest.
    const bigBefore = subjects.slice(0, lastOrdinary).filter((s) => s === 'big').length;
    expect(bigBefore).toBeLessThan(100);
    expect(subjects.filter((s) => s === 'big').length).toBe(200);

    // Each accepted recipient reached the primary exactly once; no refused one was accepted.
    const accepted = primary.messages.filter((m) => /^Subject: big$/m.test(m.raw.toString('latin1'))).flatMap((m) => m.to);
    expect(accepted.length).toBe(new Set(accepted).size);
    expect(accepted.sort()).toEqual(BIG.filter((r) => !refused(r)).sort());

    // One DSN to the big message's sender, listing every refused recipient once.
    const toAlice = bounces.sent.filter((b) => b.envelope.to[0] === 'alice@sender.example');
    expect(toAlice).toHaveLength(1);
    expect(bounces.sent).toHaveLength(1);
    const listed = [...toAlice[0]!.raw.matchAll(/^Final-Recipient: rfc822; (.*)$/gm)].map((m) => m[1]!.trim());
    expect(listed.sort()).toEqual(BIG.filter(refused).sort());

    // Nothing left: every recipient final, the queue and the index empty; no per-recipient "not attempted" lines.
    const outcomes = await deps.ledger.outcomes('bigfairshare0001');
    expect([...outcomes.values()].filter((o) => o.state !== 'delivered' && o.state !== 'bounced')).toEqual([]);
    expect(outcomes.size).toBe(2000);
    expect(await deps.index.listQueued('main')).toEqual([]);
    expect(log.attempts.filter((a) => /not attempted/.test(a.reply))).toEqual([]);
    expect(log.lines.filter((l) => l.message === 'message continues in a later turn')).toHaveLength(19);
  }, 120_000);
});
