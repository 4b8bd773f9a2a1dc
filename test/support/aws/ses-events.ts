// Builds SES "Received" notifications for an S3 action, in the exact shape SES
// publishes, for tests and the local runner. Everything has a realistic default.
import type { Verdicts } from '../../../lambdas/core/model.js';

export interface SesNotificationOptions {
  messageId?: string;
  /** Envelope sender (mail.source); '' for the null sender. */
  sender?: string;
  /** Envelope recipients the rule matched (receipt.recipients). */
  recipients?: string[];
  /** mail.destination (To/Cc/Bcc as SES saw them); defaults to the recipients. */
  destination?: string[];
  timestamp?: Date | string;
  bucketName?: string;
  objectKeyPrefix?: string;
  /** Defaults to `${objectKeyPrefix}${messageId}`. */
  objectKey?: string;
  topicArn?: string;
  subject?: string;
  from?: string;
  verdicts?: Partial<Verdicts>;
  /** Extra mail.headers entries (after the usual ones). */
  headers?: { name: string; value: string }[];
}

let counter = 0;

/** A fresh id in SES's style (lower-case base32, 28 characters). */
export function sesMessageId(): string {
  counter += 1;
  const stamp = (Date.now().toString(32) + counter.toString(32).padStart(4, '0')).replace(/[^a-z0-9]/g, '');
  const random = Math.random().toString(32).slice(2);
  return (stamp + random + '0000000000000000').slice(0, 28);
}

/** The notification as an object (for tests that tweak fields). */
export function sesNotificationObject(options: SesNotificationOptions = {}): Record<string, any> {
  const messageId = options.messageId ?? sesMessageId();
  const sender = options.sender ?? 'alice@sender.example';
  const recipients = options.recipients ?? ['bob@example.com'];
  const timestamp = new Date(options.timestamp ?? '2026-01-05T09:58:11.413Z').toISOString();
  const prefix = options.objectKeyPrefix ?? 'inbound/main/';
  const topicArn = options.topicArn ?? 'arn:aws:sns:eu-west-1:123456789012:backup-mx-main';
  const subject = options.subject ?? 'Quarterly numbers';
  const from = options.from ?? (sender || 'MAILER-DAEMON@sender.example');
  const destination = options.destination ?? recipients;
  const date = new Date(timestamp).toUTCString().replace('GMT', '+0000');
  const verdicts = { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS', ...options.verdicts };
  return {
    notificationType: 'Received',
    mail: {
      timestamp,
      source: sender,
      messageId,
      destination,
      headersTruncated: false,
      headers: [
        { name: 'Return-Path', value: `<${sender}>` },
        {
          name: 'Received',
          value: `from mail.sender.example (mail.sender.example [198.51.100.7]) by inbound-smtp.eu-west-1.amazonaws.com with SMTP id ${messageId} for ${recipients[0]}; ${date} (UTC)`,
        },
        { name: 'From', value: from },
        { name: 'To', value: destination.join(', ') },
        { name: 'Subject', value: subject },
        { name: 'Message-ID', value: `<${messageId}@sender.example>` },
        { name: 'Date', value: date },
        { name: 'MIME-Version', value: '1.0' },
        { name: 'Content-Type', value: 'text/plain; charset=UTF-8' },
        ...(options.headers ?? []),
      ],
      commonHeaders: {
        returnPath: sender,
        from: [from],
        date,
        to: destination,
        messageId: `<${messageId}@sender.example>`,
        subject,
      },
    },
    receipt: {
      timestamp,
      processingTimeMillis: 412,
      recipients,
      spamVerdict: { status: verdicts.spam },
      virusVerdict: { status: verdicts.virus },
      spfVerdict: { status: verdicts.spf },
      dkimVerdict: { status: verdicts.dkim },
      dmarcVerdict: { status: verdicts.dmarc },
      action: {
        type: 'S3',
        topicArn,
        bucketName: options.bucketName ?? 'backup-mx-mail-123456789012',
        objectKeyPrefix: prefix,
        objectKey: options.objectKey ?? `${prefix}${messageId}`,
      },
    },
  };
}

/** The notification as the JSON text SES publishes (the queue body with raw delivery). */
export function sesNotification(options: SesNotificationOptions = {}): string {
  return JSON.stringify(sesNotificationObject(options));
}

/** Wraps a notification in an SNS envelope, as the queue gets it without raw delivery. */
export function snsEnvelope(message: string, topicArn = 'arn:aws:sns:eu-west-1:123456789012:backup-mx-main'): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: '6f1b0f0e-3c7e-5b4a-9f1e-2d9c8e7a6b5c',
    TopicArn: topicArn,
    Subject: 'Amazon SES Email Receipt Notification',
    Message: message,
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
    Signature: 'EXAMPLE',
    SigningCertURL: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-example.pem',
    UnsubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe',
  });
}

/** A small raw message as SES stores it in S3 (SES's own headers prepended). */
export function rawMessage(
  options: { messageId?: string; sender?: string; to?: string; subject?: string; body?: string; extraHeaders?: string[]; verdicts?: Partial<Pick<Verdicts, 'spam' | 'virus'>> } = {},
): string {
  const sender = options.sender ?? 'alice@sender.example';
  const id = options.messageId ?? 'o3vjlkk1c0hn0hq9rb1lq4bsm5t3nlu6icqvuqg1';
  return [
    `Return-Path: <${sender}>`,
    `Received: from mail.sender.example (mail.sender.example [198.51.100.7])`,
    ` by inbound-smtp.eu-west-1.amazonaws.com with SMTP id ${id}`,
    ` for ${options.to ?? 'bob@example.com'};`,
    ` Mon, 05 Jan 2026 09:58:11 +0000 (UTC)`,
    `X-SES-Spam-Verdict: ${options.verdicts?.spam ?? 'PASS'}`,
    `X-SES-Virus-Verdict: ${options.verdicts?.virus ?? 'PASS'}`,
    ...(options.extraHeaders ?? []),
    `From: Alice <${sender || 'mailer-daemon@sender.example'}>`,
    `To: ${options.to ?? 'bob@example.com'}`,
    `Subject: ${options.subject ?? 'Quarterly numbers'}`,
    `Message-ID: <${id}@sender.example>`,
    'Date: Mon, 05 Jan 2026 10:58:00 +0100',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    '',
    options.body ?? 'Hello Bob,\r\n\r\nthe numbers are attached.\r\n',
  ].join('\r\n');
}
