// The SES stand-in as a new user meets it: STARTTLS with a certificate that
// verifies (fresh, self-signed, for localhost and 127.0.0.1), a refused
// recipient shown on the console, and one short `queued` line even for a
// message with the most recipients it takes (100).
import { X509Certificate } from 'node:crypto';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3MessageStore } from '../../../lambdas/adapters/aws/s3-message-store.js';
import { SesStandIn } from '../../../local/ses-standin/ses-standin.js';
import { snsPublisher } from '../../../local/ses-standin/sns-publisher.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';
import { RecordingLineLogger, sendRaw } from '../../support/aws/standin-helpers.js';

let env: EmulatorEnv;
let standIn: SesStandIn;
let port: number;
const logger = new RecordingLineLogger();
const raw = 'From: a@sender.test\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nbody\r\n';

beforeAll(async () => {
  env = await startEmulatorEnv({ routes: ['main'] });
  const topicArn = env.resources.routes[0]!.topicArn;
  standIn = new SesStandIn({
    routes: [{ name: 'main', domains: ['example.com'], topicArn, objectKeyPrefix: 'mail/main/' }],
    region: env.clients.region,
    bucketName: env.resources.bucketName,
    store: new S3MessageStore(env.clients.s3, env.resources.bucketName),
    publish: snsPublisher(env.clients.sns),
    logger,
    port: 0,
    serverName: 'backup-mx.test',
  });
  port = await standIn.start();
});

afterAll(async () => {
  await standIn?.stop();
  await env?.stop();
});

describe('SES stand-in', () => {
  it('offers STARTTLS with a current certificate a client can verify', async () => {
    const cert = new X509Certificate(standIn.certificate);
    expect(new Date(cert.validFrom).getTime()).toBeLessThanOrEqual(Date.now());
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now() + 300 * 86_400_000);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('localhost')).toBe('localhost');
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, requireTLS: true, tls: { ca: standIn.certificate, rejectUnauthorized: true } });
    try {
      const info = (await transport.sendMail({ envelope: { from: 'a@sender.test', to: ['b@example.com'] }, raw })) as { response: string };
      expect(info.response).toMatch(/^250 Ok /);
    } finally {
      transport.close();
    }
  });

  it('says on the console which recipient it refused', async () => {
    await sendRaw(port, 'a@sender.test', ['b@example.com', 'x@elsewhere.test'], raw);
    expect(logger.lines).toContainEqual(expect.stringMatching(/^refused RCPT <x@elsewhere\.test> from 127\.0\.0\.1: 550 5\.1\.1/));
  });

  it('keeps the queued line short for 100 recipients', async () => {
    const to = Array.from({ length: 100 }, (_, n) => `user${n}@example.com`);
    await sendRaw(port, 'a@sender.test', to, raw);
    const line = logger.lines.find((l) => l.includes('to 100 recipients'))!;
    expect(line).toMatch(/\[main: user0@example\.com, user1@example\.com, user2@example\.com and 97 more\]$/);
    expect(line.length).toBeLessThan(200);
  });
});
