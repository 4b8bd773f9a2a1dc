// Builds the JSON SES publishes to the rule's SNS topic after its S3 action
// (an "alert notification": everything about the mail except its content).
// Shape and field order follow real SES notifications.
import type { Verdicts } from '../../lambdas/core/model.js';
import {
  bareAddress,
  headerSection,
  limitHeaderFields,
  parseHeaderFields,
  splitAddressList,
  type HeaderField,
} from '../../lambdas/core/message/header-fields.js';

export interface S3ActionTarget {
  topicArn: string;
  bucketName: string;
  /** The rule's key prefix exactly as configured, e.g. 'mail/main/' ('' for none). */
  objectKeyPrefix: string;
}

export interface ReceivedMail {
  messageId: string;
  receivedAt: Date;
  /** Envelope MAIL FROM; '' for the null sender. */
  sender: string;
  /** Every accepted RCPT TO of the transaction. */
  destination: string[];
  /** The stored bytes: SES's prepended headers + the client's message. */
  raw: Buffer;
}

export interface SesReceivedNotification {
  notificationType: 'Received';
  mail: {
    timestamp: string;
    source: string;
    messageId: string;
    destination: string[];
    headersTruncated: boolean;
    headers: HeaderField[];
    commonHeaders: Record<string, string | string[]>;
  };
  receipt: {
    timestamp: string;
    processingTimeMillis: number;
    recipients: string[];
    spamVerdict: { status: string };
    virusVerdict: { status: string };
    spfVerdict: { status: string };
    dkimVerdict: { status: string };
    dmarcVerdict: { status: string };
    action: { type: 'S3'; topicArn: string; bucketName: string; objectKeyPrefix: string; objectKey: string };
  };
}

/** SES names the object prefix + message id, joined as they are (no separator added). */
export function objectKeyFor(prefix: string, messageId: string): string {
  return `${prefix}${messageId}`;
}

/**
 * One rule's notification. `recipients` are the envelope recipients that
 * rule matched; `destination` lists every accepted recipient, as SES does.
 */
export function buildReceivedNotification(
  mail: ReceivedMail,
  target: S3ActionTarget,
  recipients: string[],
  verdicts: Verdicts,
  actionAt: Date,
): SesReceivedNotification {
  const fields = parseHeaderFields(headerSection(mail.raw));
  const { headers, truncated } = limitHeaderFields(fields);
  return {
    notificationType: 'Received',
    mail: {
      timestamp: mail.receivedAt.toISOString(),
      source: mail.sender,
      messageId: mail.messageId,
      destination: [...mail.destination],
      headersTruncated: truncated,
      headers,
      commonHeaders: commonHeaders(fields),
    },
    receipt: {
      timestamp: actionAt.toISOString(),
      processingTimeMillis: Math.max(0, actionAt.getTime() - mail.receivedAt.getTime()),
      recipients: [...recipients],
      spamVerdict: { status: verdicts.spam },
      virusVerdict: { status: verdicts.virus },
      spfVerdict: { status: verdicts.spf },
      dkimVerdict: { status: verdicts.dkim },
      dmarcVerdict: { status: verdicts.dmarc },
      action: {
        type: 'S3',
        topicArn: target.topicArn,
        bucketName: target.bucketName,
        objectKeyPrefix: target.objectKeyPrefix,
        objectKey: objectKeyFor(target.objectKeyPrefix, mail.messageId),
      },
    },
  };
}

const LIST_HEADERS: Record<string, string> = {
  from: 'from',
  sender: 'sender',
  'reply-to': 'replyTo',
  to: 'to',
  cc: 'cc',
  bcc: 'bcc',
};
const SINGLE_HEADERS: Record<string, string> = { date: 'date', 'message-id': 'messageId', subject: 'subject' };

/** SES's commonHeaders: present only for headers the message has; first occurrence wins. */
export function commonHeaders(fields: HeaderField[]): Record<string, string | string[]> {
  const common: Record<string, string | string[]> = {};
  for (const { name, value } of fields) {
    const key = name.toLowerCase();
    if (key === 'return-path' && !('returnPath' in common)) common.returnPath = bareAddress(value);
    else if (LIST_HEADERS[key] && !(LIST_HEADERS[key] in common)) common[LIST_HEADERS[key]] = splitAddressList(value);
    else if (SINGLE_HEADERS[key] && !(SINGLE_HEADERS[key] in common)) common[SINGLE_HEADERS[key]] = value;
  }
  return common;
}

/** The domain of the first From address, for the DMARC line; undefined without one. */
export function fromDomain(raw: Buffer): string | undefined {
  const from = parseHeaderFields(headerSection(raw)).find((field) => field.name.toLowerCase() === 'from');
  if (!from) return undefined;
  const [first] = splitAddressList(from.value);
  const address = first ? bareAddress(first) : '';
  const at = address.lastIndexOf('@');
  return at > 0 ? address.slice(at + 1).toLowerCase() : undefined;
}
