// Parses the notification SES publishes for an S3 receipt action into an
// InboundMessage. The envelope comes from here (mail.source,
// receipt.recipients), never from the message headers. Anything malformed or
// unexpected becomes a MalformedNotificationError with a reason, so the drain
// can dead-letter it instead of crashing or looping.
import { z } from 'zod';
import { isMailbox } from '../../core/message/mail-address.js';
import type { AcceptedUnrecorded, InboundMessage, VerdictStatus } from '../../core/model.js';

export class MalformedNotificationError extends Error {
  constructor(readonly reason: string) {
    super(`malformed SES notification: ${reason}`);
    this.name = 'MalformedNotificationError';
  }
}

const KNOWN_VERDICTS: readonly VerdictStatus[] = ['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED', 'DISABLED'];

// A verdict SES did not include (scanning off, older notifications) reads as
// DISABLED; an unknown status as PROCESSING_FAILED: neither blocks delivery
// nor counts as a FAIL.
const verdict = z
  .object({ status: z.string() })
  .optional()
  .transform((v): VerdictStatus => {
    if (!v) return 'DISABLED';
    const status = v.status.toUpperCase() as VerdictStatus;
    return KNOWN_VERDICTS.includes(status) ? status : 'PROCESSING_FAILED';
  });

// An address that can go into MAIL FROM / RCPT TO and into the headers we
// write: RFC 5321 Mailbox as core/message/mail-address.ts defines it (strict domain,
// no `;` `(` `,` or quotes outside a quoted local part, lenient about dots in
// the local part as Postfix is; ASCII, since SES does not offer SMTPUTF8).
// A notification whose sender or recipient fails it is not delivered: it
// becomes a MalformedNotificationError, which the drain dead-letters (the
// bytes kept, the DeadLettered alarm raised), never dropped.
const address = z.string().refine(isMailbox, 'not an RFC 5321 mail address');

const isoTimestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not an ISO 8601 timestamp');

/**
 * Only in a queue entry the drain re-enqueued (narrowSesNotification), never
 * from SES: the whole copy's recipients, and those the primary accepted whose
 * ledger rows are still to write. Checked against receipt.recipients below.
 */
const copyAnnotation = z.object({
  recipients: z.array(address).min(1),
  accepted: z.array(
    z.object({
      recipient: address,
      reply: z.object({ code: z.number().int().optional(), enhanced: z.string().optional(), text: z.string(), errorCode: z.string().optional() }),
      at: isoTimestamp,
      attempts: z.number().int().min(1),
    }),
  ),
});

const notificationSchema = z.object({
  notificationType: z.literal('Received'),
  mail: z.object({
    timestamp: isoTimestamp,
    source: z.string(),
    messageId: z.string().regex(/^[A-Za-z0-9._-]+$/, 'not an SES message id'),
    destination: z.array(z.string()).optional(),
    headersTruncated: z.boolean().optional(),
    headers: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
    commonHeaders: z.object({ subject: z.string().optional(), from: z.array(z.string()).optional().catch(undefined) }).optional(),
  }),
  receipt: z.object({
    timestamp: isoTimestamp.optional(),
    processingTimeMillis: z.union([z.number(), z.string()]).optional(),
    // At least one, except in a re-enqueued entry whose every recipient was accepted (checked below).
    recipients: z.array(address),
    spamVerdict: verdict,
    virusVerdict: verdict,
    spfVerdict: verdict,
    dkimVerdict: verdict,
    dmarcVerdict: verdict,
    dmarcPolicy: z.string().optional(),
    action: z.object({
      type: z.literal('S3'),
      topicArn: z.string().optional(),
      bucketName: z.string().min(1),
      objectKeyPrefix: z.string().optional(),
      objectKey: z.string().min(1),
    }),
  }),
  backupMxCopy: copyAnnotation.optional(),
}).superRefine((n, ctx) => {
  const copy = n.backupMxCopy;
  const issue = (message: string) => ctx.addIssue({ code: 'custom', path: copy ? ['backupMxCopy'] : ['receipt', 'recipients'], message });
  if (!copy) {
    if (n.receipt.recipients.length === 0) issue('no recipients');
    return;
  }
  // A narrowed entry lists a part of its copy, and the accepted ones are the rest of it, never a recipient still to do.
  const whole = new Set(copy.recipients);
  if (n.receipt.recipients.length === 0 && copy.accepted.length === 0) issue('no recipients');
  if (n.receipt.recipients.some((r) => !whole.has(r))) issue('receipt.recipients not all in the copy');
  if (copy.accepted.some((a) => !whole.has(a.recipient) || n.receipt.recipients.includes(a.recipient))) issue('an accepted recipient outside the copy or still to do');
});

/** The envelope SNS wraps around a message when raw delivery is off. */
const snsEnvelopeSchema = z.object({ Type: z.literal('Notification'), Message: z.string() });

/** mail.source → the envelope sender; '' for the null sender. */
function envelopeSender(source: string): string {
  const trimmed = source.trim();
  if (trimmed === '' || trimmed === '<>') return '';
  const bare = trimmed.startsWith('<') && trimmed.endsWith('>') ? trimmed.slice(1, -1) : trimmed;
  const checked = address.safeParse(bare);
  if (!checked.success) throw new MalformedNotificationError(`mail.source: not an RFC 5321 mail address: ${JSON.stringify(source).slice(0, 200)}`);
  return bare;
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedNotificationError(`${what} is not JSON`);
  }
}

function parse(body: string): InboundMessage {
  if (typeof body !== 'string' || body.trim() === '') throw new MalformedNotificationError('empty body');
  let json = parseJson(body, 'body');
  const envelope = snsEnvelopeSchema.safeParse(json);
  if (envelope.success) json = parseJson(envelope.data.Message, 'SNS Message');
  if (typeof json === 'object' && json !== null && 'notificationType' in json && json.notificationType !== 'Received') {
    throw new MalformedNotificationError(`unknown notificationType ${JSON.stringify(json.notificationType)}`);
  }
  const parsed = notificationSchema.safeParse(json);
  if (!parsed.success) throw new MalformedNotificationError(describe(parsed.error));
  const { mail, receipt } = parsed.data;
  return {
    messageId: mail.messageId,
    receivedAt: new Date(mail.timestamp),
    sender: envelopeSender(mail.source),
    recipients: [...new Set(receipt.recipients)],
    bucketName: receipt.action.bucketName,
    objectKey: receipt.action.objectKey,
    verdicts: {
      spam: receipt.spamVerdict,
      virus: receipt.virusVerdict,
      spf: receipt.spfVerdict,
      dkim: receipt.dkimVerdict,
      dmarc: receipt.dmarcVerdict,
    },
    ...(mail.commonHeaders?.subject !== undefined ? { subject: mail.commonHeaders.subject } : {}),
    // Only the notice policy reads it (DMARC alignment of the return path); never used for routing.
    ...(mail.commonHeaders?.from !== undefined ? { headerFrom: mail.commonHeaders.from } : {}),
    ...(parsed.data.backupMxCopy
      ? {
          copyRecipients: [...new Set(parsed.data.backupMxCopy.recipients)],
          acceptedUnrecorded: parsed.data.backupMxCopy.accepted.map((a) => ({ ...a, reply: { ...a.reply }, at: new Date(a.at) })),
        }
      : {}),
  };
}

/**
 * Parses a queue body: the raw SES notification, or the same wrapped in an
 * SNS envelope. Throws only MalformedNotificationError.
 */
export function parseSesNotification(body: string): InboundMessage {
  try {
    return parse(body);
  } catch (error) {
    if (error instanceof MalformedNotificationError) throw error;
    throw new MalformedNotificationError(`unexpected parser failure: ${(error as Error)?.message ?? String(error)}`);
  }
}

/** The same, as a result instead of an exception. */
export function tryParseSesNotification(
  body: string,
): { ok: true; message: InboundMessage } | { ok: false; error: MalformedNotificationError } {
  try {
    return { ok: true, message: parseSesNotification(body) };
  } catch (error) {
    return { ok: false, error: error as MalformedNotificationError };
  }
}

/**
 * The same queue body with receipt.recipients narrowed to `recipients` (the
 * rest of the notification, SNS envelope included, unchanged): a copy for
 * the recipients still to do when the ledger could not record the others.
 * It carries, under `backupMxCopy`, the copy's whole recipient list (its copy
 * key: an earlier narrowing's list is kept) and the `accepted` recipients with
 * their replies (added to those an earlier narrowing carried), so their ledger
 * rows are written once the ledger takes writes.
 */
export function narrowSesNotification(body: string, recipients: string[], accepted: AcceptedUnrecorded[]): string {
  const outer = JSON.parse(body) as Record<string, any>;
  if (outer.Type === 'Notification' && typeof outer.Message === 'string') {
    return JSON.stringify({ ...outer, Message: narrowSesNotification(outer.Message, recipients, accepted) });
  }
  const earlier = outer.backupMxCopy as { recipients: string[]; accepted: { recipient: string }[] } | undefined;
  const now = new Set(accepted.map((a) => a.recipient));
  const backupMxCopy = {
    recipients: earlier?.recipients ?? outer.receipt.recipients,
    accepted: [...(earlier?.accepted ?? []).filter((a) => !now.has(a.recipient)), ...accepted.map((a) => ({ ...a, at: a.at.toISOString() }))],
  };
  return JSON.stringify({ ...outer, receipt: { ...outer.receipt, recipients: [...recipients] }, backupMxCopy });
}
