// The SES stand-in against the embedded emulators (or AWS_ENDPOINT_URL): real
// SMTP in with nodemailer, real objects in S3, real notifications through
// SNS into each route's SQS queue, parsed by the drain's own parser.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3MessageStore } from '../../../lambdas/adapters/aws/s3-message-store.js';
import { parseSesNotification } from '../../../lambdas/adapters/ses/ses-notification.js';
import { SES_MESSAGE_ID_PATTERN } from '../../../local/ses-standin/message-id.js';
import type { NotificationPublisher, RawMessageWriter } from '../../../local/ses-standin/ports.js';
import { SesStandIn, type StandInRoute } from '../../../local/ses-standin/ses-standin.js';
import { snsPublisher } from '../../../local/ses-standin/sns-publisher.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';
import { drainQueue, ehlo, readObject, RecordingLineLogger, sendRaw } from '../../support/aws/standin-helpers.js';

let env: EmulatorEnv;
let routes: StandInRoute[];
const running: SesStandIn[] = [];

async function startStandIn(overrides: { store?: RawMessageWriter; publish?: NotificationPublisher; maxMessageBytes?: number } = {}) {
  const logger = new RecordingLineLogger();
  const standIn = new SesStandIn({
    routes,
    region: env.clients.region,
    bucketName: env.resources.bucketName,
    store: overrides.store ?? new S3MessageStore(env.clients.s3, env.resources.bucketName),
    publish: overrides.publish ?? snsPublisher(env.clients.sns),
    logger,
    port: 0,
    maxMessageBytes: overrides.maxMessageBytes,
  });
  running.push(standIn);
  const port = await standIn.start();
  return { standIn, port, logger };
}

function queueOf(route: string): string {
  return env.resources.routes.find((r) => r.name === route)!.queue.url;
}

beforeAll(async () => {
  env = await startEmulatorEnv({ routes: ['main', 'vip'] });
  const topic = (name: string) => env.resources.routes.find((r) => r.name === name)!.topicArn;
  routes = [
    { name: 'main', domains: ['example.com'], topicArn: topic('main'), objectKeyPrefix: 'mail/main/' },
    { name: 'vip', domains: ['vip.test'], recipients: ['boss@vip.test'], topicArn: topic('vip'), objectKeyPrefix: 'mail/vip/' },
  ];
});

afterAll(async () => {
  for (const standIn of running) await standIn.stop();
  await env?.stop();
});

const message = (extra = '') =>
  Buffer.from(
    [
      'From: Alice <alice@sender.test>',
      'To: bob@example.com',
      'Subject: =?UTF-8?Q?caf=C3=A9?=',
      'Message-ID: <t1@sender.test>',
      'Date: Mon, 05 Jan 2026 10:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=UTF-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Héllo, 8-bit body ✓',
      '.a line that starts with a dot',
      `x${'y'.repeat(997)}`, // 998 octets, the longest line RFC 5322 allows: stored as sent
      extra,
      '',
    ].join('\r\n'),
  );

describe('SES stand-in', () => {
  it('advertises what SES does: SIZE 40 MB, 8BITMIME, STARTTLS, no SMTPUTF8, no AUTH', async () => {
    const { port } = await startStandIn();
    const lines = await ehlo(port);
    const capabilities = lines.map((line) => line.slice(4));
    expect(capabilities).toEqual(expect.arrayContaining(['SIZE 41943040', '8BITMIME', 'STARTTLS']));
    expect(capabilities).not.toContain('SMTPUTF8');
    expect(capabilities.some((c) => c.startsWith('AUTH'))).toBe(false);
  });

  it('refuses recipients outside the routes with 550 at RCPT TO and keeps the others', async () => {
    const { port } = await startStandIn();
    const result = await sendRaw(port, 'alice@sender.test', ['nobody@elsewhere.test', 'bob@example.com', 'eve@vip.test', 'x@sub.example.com'], message());
    expect(result.accepted).toEqual(['bob@example.com']);
    expect(result.rejected.sort()).toEqual(['eve@vip.test', 'nobody@elsewhere.test', 'x@sub.example.com']);
    for (const error of result.rejectedErrors ?? []) {
      expect(error.responseCode).toBe(550);
      expect(error.response).toBe('550 5.1.1 Recipient address rejected');
    }
    const [body] = await drainQueue(env.clients.sqs, queueOf('main'));
    expect(parseSesNotification(body).recipients).toEqual(['bob@example.com']);
  });

  it('refuses the whole message when no recipient is ours', async () => {
    const { port } = await startStandIn();
    await expect(sendRaw(port, 'alice@sender.test', ['nobody@elsewhere.test'], message())).rejects.toMatchObject({
      code: 'EENVELOPE',
      responseCode: 550,
    });
  });

  it('stores SES headers + the exact client bytes, and queues a notification the drain parses', async () => {
    const { port, logger } = await startStandIn();
    const raw = message();
    // carol is a BCC recipient: in the envelope only, not in any header.
    const result = await sendRaw(port, 'alice@sender.test', ['bob@example.com', 'Carol@Example.COM'], raw);
    const messageId = /^250 Ok (\S+)$/.exec(result.response)?.[1] ?? '';
    expect(messageId).toMatch(SES_MESSAGE_ID_PATTERN);

    const [body, ...more] = await drainQueue(env.clients.sqs, queueOf('main'));
    expect(more).toEqual([]);
    const inbound = parseSesNotification(body);
    expect(inbound).toMatchObject({
      messageId,
      sender: 'alice@sender.test',
      recipients: ['bob@example.com', 'Carol@example.com'], // domain lowercased on the way in; local part kept
      bucketName: env.resources.bucketName,
      objectKey: `mail/main/${messageId}`,
      verdicts: { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' },
    });

    const stored = await readObject(env.clients.s3, env.resources.bucketName, `mail/main/${messageId}`);
    expect(stored.subarray(stored.length - raw.length).equals(raw)).toBe(true);
    const prepended = stored.subarray(0, stored.length - raw.length).toString();
    expect(prepended).toMatch(
      new RegExp(
        '^Return-Path: <alice@sender\\.test>\\r\\n' +
          'Received: from \\S+ \\(unknown \\[(::ffff:)?127\\.0\\.0\\.1\\]\\)\\r\\n' +
          ` by inbound-smtp\\.${env.clients.region}\\.amazonaws\\.com with SMTP id ${messageId}\\r\\n` +
          ' for bob@example\\.com;\\r\\n' +
          ' \\w{3}, \\d\\d \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d \\+0000 \\(UTC\\)\\r\\n' +
          'X-SES-Spam-Verdict: PASS\\r\\nX-SES-Virus-Verdict: PASS\\r\\n' +
          'Received-SPF: pass [^\\r\\n]+\\r\\n' +
          'Authentication-Results: amazonses\\.com;\\r\\n spf=pass [^\\r\\n]+\\r\\n dkim=pass header\\.i=@sender\\.test;\\r\\n dmarc=pass header\\.from=sender\\.test;\\r\\n$',
      ),
    );

    const notification = JSON.parse(body);
    expect(notification.mail.destination).toEqual(['bob@example.com', 'Carol@example.com']);
    expect(notification.mail.headers.slice(0, 2).map((h: { name: string }) => h.name)).toEqual(['Return-Path', 'Received']);
    expect(notification.mail.commonHeaders).toMatchObject({ returnPath: 'alice@sender.test', to: ['bob@example.com'] });
    expect(notification.receipt.action).toEqual({
      type: 'S3',
      topicArn: routes[0].topicArn,
      bucketName: env.resources.bucketName,
      objectKeyPrefix: 'mail/main/',
      objectKey: `mail/main/${messageId}`,
    });
    expect(logger.lines).toContainEqual(
      `queued ${messageId} from <alice@sender.test> to 2 recipients (${stored.length} bytes) [main: bob@example.com, Carol@example.com]`,
    );
  });

  it('keeps the null sender: MAIL FROM:<> becomes source "" and Return-Path <>', async () => {
    const { port } = await startStandIn();
    const result = await sendRaw(port, '', ['postmaster@example.com'], message());
    const messageId = result.response.split(' ')[2];
    const [body] = await drainQueue(env.clients.sqs, queueOf('main'));
    expect(JSON.parse(body).mail.source).toBe('');
    expect(parseSesNotification(body)).toMatchObject({ messageId, sender: '', recipients: ['postmaster@example.com'] });
    const stored = await readObject(env.clients.s3, env.resources.bucketName, `mail/main/${messageId}`);
    expect(stored.toString().startsWith('Return-Path: <>\r\n')).toBe(true);
  });

  it('splits a message across routes: one object and one notification per route, same id', async () => {
    const { port } = await startStandIn();
    const raw = message();
    const result = await sendRaw(port, 'alice@sender.test', ['bob@example.com', 'boss@vip.test', 'dan@example.com'], raw);
    const messageId = result.response.split(' ')[2];

    const [mainBody] = await drainQueue(env.clients.sqs, queueOf('main'));
    const [vipBody] = await drainQueue(env.clients.sqs, queueOf('vip'));
    expect(parseSesNotification(mainBody)).toMatchObject({ messageId, recipients: ['bob@example.com', 'dan@example.com'], objectKey: `mail/main/${messageId}` });
    expect(parseSesNotification(vipBody)).toMatchObject({ messageId, recipients: ['boss@vip.test'], objectKey: `mail/vip/${messageId}` });
    expect(JSON.parse(vipBody).mail.destination).toEqual(['bob@example.com', 'boss@vip.test', 'dan@example.com']);

    const mainObject = await readObject(env.clients.s3, env.resources.bucketName, `mail/main/${messageId}`);
    const vipObject = await readObject(env.clients.s3, env.resources.bucketName, `mail/vip/${messageId}`);
    expect(mainObject.equals(vipObject)).toBe(true);
    expect(mainObject.subarray(mainObject.length - raw.length).equals(raw)).toBe(true);
  });

  it('answers 451 and publishes nothing when S3 fails', async () => {
    const published: string[] = [];
    const { port, logger } = await startStandIn({
      store: { put: async () => Promise.reject(new Error('S3 is down')) },
      publish: async (_topic, text) => void published.push(text),
    });
    await expect(sendRaw(port, 'alice@sender.test', ['bob@example.com', 'boss@vip.test'], message())).rejects.toMatchObject({
      responseCode: 451,
    });
    expect(published).toEqual([]);
    expect(await drainQueue(env.clients.sqs, queueOf('main'), 1)).toEqual([]);
    expect(logger.lines.some((line) => line.startsWith('WARN deferred a message (451): S3 is down'))).toBe(true);
  });

  it('answers 451 when the publish fails, so the sender retries', async () => {
    const { port } = await startStandIn({ publish: async () => Promise.reject(new Error('SNS is down')) });
    await expect(sendRaw(port, 'alice@sender.test', ['bob@example.com'], message())).rejects.toMatchObject({
      responseCode: 451,
      response: '451 4.3.0 Temporary failure storing the message, try again later',
    });
  });

  it('refuses a message over the size limit with 552', async () => {
    const { port } = await startStandIn({ maxMessageBytes: 2_000 });
    await expect(sendRaw(port, 'alice@sender.test', ['bob@example.com'], message('z'.repeat(5_000)))).rejects.toMatchObject({
      responseCode: 552,
    });
    expect(await drainQueue(env.clients.sqs, queueOf('main'), 1)).toEqual([]);
  });

  it('accepts mail over STARTTLS', async () => {
    const { port } = await startStandIn();
    const nodemailer = (await import('nodemailer')).default;
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, requireTLS: true, tls: { rejectUnauthorized: false } });
    try {
      const info = await transport.sendMail({ envelope: { from: 'alice@sender.test', to: ['bob@example.com'] }, raw: message() });
      expect(info.response).toMatch(/^250 Ok [0-9a-v]{40}$/);
    } finally {
      transport.close();
    }
    expect(await drainQueue(env.clients.sqs, queueOf('main'))).toHaveLength(1);
  });
});
