// Small helpers shared by the SES stand-in integration tests: sending with
// nodemailer, reading a route's queue, reading an object, and a raw EHLO.
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { connect } from 'node:net';
import nodemailer from 'nodemailer';
import type { LineLogger } from '../../../local/ses-standin/ports.js';

export interface SendResult {
  accepted: string[];
  rejected: string[];
  response: string;
  rejectedErrors?: { responseCode?: number; response?: string }[];
}

/** Sends raw bytes with an explicit envelope ('' = null sender). Rejects on SMTP errors. */
export async function sendRaw(port: number, from: string, to: string[], raw: Buffer | string): Promise<SendResult> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    tls: { rejectUnauthorized: false }, // the stand-in uses smtp-server's built-in certificate
  });
  try {
    return (await transport.sendMail({ envelope: { from, to }, raw })) as unknown as SendResult;
  } finally {
    transport.close();
  }
}

/** Every message waiting in the queue (deleted as read), waiting up to `waitSeconds` for the first. */
export async function drainQueue(sqs: SQSClient, queueUrl: string, waitSeconds = 2): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: bodies.length ? 0 : waitSeconds }),
    );
    if (!Messages?.length) return bodies;
    for (const message of Messages) {
      bodies.push(message.Body ?? '');
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
}

export async function readObject(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

/** The EHLO reply lines, over a plain socket. */
export async function ehlo(port: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buffer = '';
    let sentEhlo = false;
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      if (!sentEhlo && /^220 .*\r\n$/m.test(buffer)) {
        sentEhlo = true;
        buffer = '';
        socket.write('EHLO client.test\r\n');
      } else if (sentEhlo && /^250 .*\r\n/m.test(buffer)) {
        socket.end('QUIT\r\n');
        resolve(buffer.trim().split('\r\n'));
      }
    });
  });
}

/** Keeps the lines the stand-in prints, for assertions. */
export class RecordingLineLogger implements LineLogger {
  readonly lines: string[] = [];
  info(line: string): void {
    this.lines.push(line);
  }
  warn(line: string): void {
    this.lines.push(`WARN ${line}`);
  }
}
