// The canary message itself: small, plain, marked as automatic (RFC 3834
// Auto-Submitted, so no auto-responder answers it), with the signed Subject.
import { rfc5322Date } from '../message/rfc5322-date.js';

export function canaryMessage(address: string, subject: string, sentAt: Date, intervalMinutes?: number): string {
  const domain = address.slice(address.lastIndexOf('@') + 1);
  const every = intervalMinutes ? `every ${intervalMinutes} minutes ` : '';
  return [
    `From: backup-mx canary <${address}>`,
    `To: <${address}>`,
    `Subject: ${subject}`,
    `Date: ${rfc5322Date(sentAt)}`,
    `Message-ID: <canary.${sentAt.getTime()}@${domain}>`,
    'Auto-Submitted: auto-generated',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `backup-mx sends this message ${every}through SES to itself, to prove that mail`,
    'still reaches its queue. It is dropped before delivery.',
    '',
  ].join('\r\n');
}
