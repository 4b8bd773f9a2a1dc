// The SES stand-in refuses what SES receiving refuses (issue 19): each limit of
// local/ses-standin/smtp-limits.ts just under (accepted) and just over
// (refused with its reply, nothing queued), over real SMTP.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3MessageStore } from '../../../lambdas/adapters/aws/s3-message-store.js';
import { parseSesNotification } from '../../../lambdas/adapters/ses/ses-notification.js';
import { SesStandIn } from '../../../local/ses-standin/ses-standin.js';
import { snsPublisher } from '../../../local/ses-standin/sns-publisher.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';
import { drainQueue, RecordingLineLogger, sendRaw } from '../../support/aws/standin-helpers.js';

let env: EmulatorEnv;
let standIn: SesStandIn;
let port: number;
/** One with a 2,000-octet size limit, to test it with small messages. */
let small: SesStandIn;
let queueUrl: string;
const logger = new RecordingLineLogger();
const message = (extra = '') => `From: a@sender.test\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nbody\r\n${extra}`;

beforeAll(async () => {
  env = await startEmulatorEnv({ routes: ['main'] });
  const route = env.resources.routes[0]!;
  queueUrl = route.queue.url;
  const options = () => ({
    routes: [{ name: 'main', domains: ['example.com'], topicArn: route.topicArn, objectKeyPrefix: 'mail/main/' }],
    region: env.clients.region,
    bucketName: env.resources.bucketName,
    store: new S3MessageStore(env.clients.s3, env.resources.bucketName),
    publish: snsPublisher(env.clients.sns),
    logger,
    port: 0,
  });
  standIn = new SesStandIn(options());
  port = await standIn.start();
  small = new SesStandIn({ ...options(), maxMessageBytes: 2_000 });
  await small.start();
});

afterAll(async () => {
  await standIn?.stop();
  await small?.stop();
  await env?.stop();
});

/** One SMTP session in raw bytes (no client library to fix them up): the reply to each command, in order. */
async function converse(commands: Buffer[], to = port): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(to, '127.0.0.1');
    const replies: string[] = [];
    let buffer = '';
    let next = -1; // -1: waiting for the greeting
    socket.on('error', reject);
    socket.on('close', () => resolve(replies));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      // A complete reply ends with a line "ddd text".
      const match = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n$/.exec(buffer);
      if (!match) return;
      const last = buffer.trimEnd().split('\r\n').pop()!;
      buffer = '';
      if (next >= 0) replies.push(last);
      next += 1;
      if (next < commands.length) socket.write(Buffer.concat([commands[next]!, Buffer.from('\r\n')]));
      else socket.end();
    });
  });
}
const line = (text: string) => Buffer.from(text, 'latin1');

describe('SES stand-in limits', () => {
  it('takes 100 recipients in a transaction and answers 452 4.5.3 to the 101st', async () => {
    const to = Array.from({ length: 101 }, (_, n) => `user${n}@example.com`);
    const result = await sendRaw(port, 'a@sender.test', to, message());
    expect(result.accepted).toHaveLength(100);
    expect(result.rejected).toEqual(['user100@example.com']);
    expect(result.rejectedErrors?.[0]?.response).toBe('452 4.5.3 Too many recipients');
    const [notification] = await drainQueue(env.clients.sqs, queueUrl);
    expect(parseSesNotification(notification!).recipients).toHaveLength(100);
  });

  it('takes a message at the size limit and refuses one octet more with 552, storing nothing', async () => {
    // The stand-in counts the bytes after dot-unstuffing, CRLF line ends included.
    const base = message();
    // Filler of n octets in short lines (a line over 998 octets is refused for that).
    const filler = (n: number) => `${'x'.repeat(68)}\r\n`.repeat(Math.floor(n / 70)) + 'x'.repeat(n % 70);
    // The message ends with the CRLF nodemailer adds before the final dot, and those 2 octets count.
    const fits = message(filler(2_000 - 2 - base.length));
    expect(Buffer.byteLength(fits) + 2).toBe(2_000);
    await expect(sendRaw(small.port, 'a@sender.test', ['b@example.com'], fits)).resolves.toMatchObject({ response: expect.stringMatching(/^250 /) });
    await drainQueue(env.clients.sqs, queueUrl);
    const over = message(filler(2_001 - 2 - base.length));
    await expect(sendRaw(small.port, 'a@sender.test', ['b@example.com'], over)).rejects.toMatchObject({ responseCode: 552 });
    expect(await drainQueue(env.clients.sqs, queueUrl, 1)).toEqual([]);
    // A client that declares the size hears it at MAIL FROM already.
    const replies = await converse([line('EHLO client.test'), line('MAIL FROM:<a@sender.test> SIZE=2000'), line('RSET'), line('MAIL FROM:<a@sender.test> SIZE=2001')], small.port);
    expect(replies[1]).toMatch(/^250 /);
    expect(replies[3]).toMatch(/^552 /);
  });

  it('takes a 998-octet line and refuses a 999-octet one (or a 5,000-character Subject) with 550 5.6.0, storing nothing', async () => {
    await expect(sendRaw(port, 'a@sender.test', ['b@example.com'], message(`${'y'.repeat(998)}\r\n`))).resolves.toMatchObject({
      response: expect.stringMatching(/^250 /),
    });
    await drainQueue(env.clients.sqs, queueUrl);
    for (const raw of [message(`${'y'.repeat(999)}\r\n`), `Subject: ${'s'.repeat(5_000)}\r\n\r\nbody\r\n`]) {
      await expect(sendRaw(port, 'a@sender.test', ['b@example.com'], raw)).rejects.toMatchObject({
        responseCode: 550,
        response: '550 5.6.0 Message has a line longer than 998 octets',
      });
    }
    expect(await drainQueue(env.clients.sqs, queueUrl, 1)).toEqual([]);
    expect(logger.lines).toContainEqual(expect.stringMatching(/^refused a message from 127\.0\.0\.1: 550 5\.6\.0, a line longer than 998 octets/));
  });

  it('refuses a non-ASCII or invalid UTF-8 sender or recipient with 553 5.6.7, and SMTPUTF8 with 555', async () => {
    const replies = await converse([
      line('EHLO client.test'),
      Buffer.concat([line('MAIL FROM:<'), Buffer.from([0xff, 0xfe]), line('@sender.test>')]), // not UTF-8 at all
      line('MAIL FROM:<j\u00fcrgen@sender.test>'), // UTF-8 ü without SMTPUTF8
      Buffer.from('MAIL FROM:<jürgen@sender.test> SMTPUTF8', 'utf8'),
      line('MAIL FROM:<a@sender.test>'),
      Buffer.from('RCPT TO:<jürgen@example.com>', 'utf8'),
      line('RCPT TO:<b@example.com>'),
      line('QUIT'),
    ]);
    expect(replies[0]).toMatch(/^250 /);
    expect(replies[1]).toBe('553 5.6.7 Non-ASCII addresses are not supported');
    expect(replies[2]).toBe('553 5.6.7 Non-ASCII addresses are not supported');
    expect(replies[3]).toBe('555 5.5.4 SMTPUTF8 is not supported');
    expect(replies[4]).toMatch(/^250 /);
    expect(replies[5]).toBe('553 5.6.7 Non-ASCII addresses are not supported');
    expect(replies[6]).toMatch(/^250 /);
  });

  it('limits an address to 253 octets and a recipient\'s local part to 64 (a sender\'s is not limited)', async () => {
    // A domain of exactly `length` octets in labels of at most 63.
    const domain = (length: number) => ('d'.repeat(63) + '.').repeat(Math.floor((length - 1) / 64)) + 'd'.repeat(((length - 1) % 64) + 1);
    const replies = await converse([
      line('EHLO client.test'),
      line(`MAIL FROM:<a@${domain(252)}>`), // 254 octets
      line(`MAIL FROM:<${'s'.repeat(100)}@${domain(152)}>`), // 253 octets, a long (SRS-like) local part
      line(`RCPT TO:<${'u'.repeat(65)}@example.com>`),
      line(`RCPT TO:<${'u'.repeat(64)}@example.com>`),
      line('QUIT'),
    ]);
    expect([domain(252).length, 101 + domain(152).length]).toEqual([252, 253]);
    expect(replies[1]).toMatch(/^501 /);
    expect(replies[2]).toMatch(/^250 /);
    expect(replies[3]).toBe('501 5.1.3 Local part longer than 64 octets');
    expect(replies[4]).toMatch(/^250 /);
  });

  it('takes a 1,010-octet command line and closes on a longer one with 421', async () => {
    const fits = `RCPT TO:<b@example.com> ORCPT=rfc822;${'o'.repeat(1_010 - 37)}`;
    expect(fits).toHaveLength(1_010);
    const replies = await converse([line('EHLO client.test'), line('MAIL FROM:<a@sender.test>'), line(fits), line(`${fits}o`)]);
    expect(replies[2]).toMatch(/^250 /);
    expect(replies[3]).toMatch(/^421 /);
  });
});
