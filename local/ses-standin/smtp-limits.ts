// What the SES stand-in refuses, and with which reply, so that local mail meets
// the limits it would meet at SES (issue 19: the stand-in was kinder).
//
// Documented by SES (looked up 2026-12):
// - 40 MB per received message, headers included: CloudFormation's
//   AWS::SES::ReceiptRule action pages ("When you receive emails, the maximum
//   email size (including headers) is 40 MB"),
//   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ses-receiptrule-connectaction.html,
//   and https://docs.aws.amazon.com/ses/latest/dg/quotas.html (40 MB by SMTP).
// - No SMTPUTF8: "Amazon SES does not support the SMTPUTF8 extension, as
//   described in RFC6531", so addresses are 7-bit ASCII (the SES API
//   reference's Destination type, e.g.
//   https://docs.aws.amazon.com/sdk-for-sap-abap/v1/api/latest/ses/model/_AWS1_CL_SESDESTINATION.html).
// Not documented for receiving (the quotas page's 50 recipients a message is
// a sending quota), so RFC 5321/5322 decide:
// - recipients: 100 a transaction, the number RFC 5321 §4.5.3.1.8 obliges a
//   server to take; the rest get 452 and the sender retries them in another
//   transaction (§4.5.3.1.10), so nothing is lost;
// - a line of the message: 998 octets without CRLF (RFC 5322 §2.1.1); this
//   also bounds a header field that is not folded (a 5,000-character Subject);
// - a command line: 512 octets with CRLF (RFC 5321 §4.5.3.1.4) plus the 500
//   RFC 3461 adds to RCPT for DSN's NOTIFY and ORCPT, which we offer;
// - an address: 253 octets in all (RFC 5321 §4.5.3.1.3's 256-octet path
//   less `<`, `>`; smtp-server checks it: 501), and a recipient's local part
//   64 (§4.5.3.1.1); the sender's is not limited (SRS and BATV senders go
//   past 64, and lambdas/core/message/mail-address.ts accepts them too).

export const SES_MAX_MESSAGE_BYTES = 40 * 1024 * 1024;
export const MAX_RECIPIENTS = 100;
export const MAX_LINE_OCTETS = 998;
/** smtp-server counts the line without its CRLF. */
export const MAX_COMMAND_OCTETS = 512 + 500 - 2;
export const MAX_LOCAL_PART = 64;

export interface SmtpRefusal {
  code: number;
  /** Enhanced status code and text, as sent after the code. */
  text: string;
  /** Why, for the console. */
  reason: string;
}

/** Why an envelope address may not go in MAIL FROM / RCPT TO, or undefined when it may. */
export function addressRefusal(address: string, role: 'sender' | 'recipient', smtpUtf8Requested: boolean): SmtpRefusal | undefined {
  // smtp-server decodes the command as UTF-8: invalid bytes arrive as U+FFFD, which is non-ASCII too.
  if (smtpUtf8Requested) {
    return { code: 555, text: '5.5.4 SMTPUTF8 is not supported', reason: 'SMTPUTF8 asked for, which SES does not offer' };
  }
  if (/[^\x00-\x7f]/.test(address)) {
    return { code: 553, text: '5.6.7 Non-ASCII addresses are not supported', reason: 'a non-ASCII or invalid UTF-8 address (SES offers no SMTPUTF8)' };
  }
  const at = address.lastIndexOf('@');
  if (role === 'recipient' && at > MAX_LOCAL_PART) {
    return { code: 501, text: `5.1.3 Local part longer than ${MAX_LOCAL_PART} octets`, reason: `a local part of ${at} octets (RFC 5321: ${MAX_LOCAL_PART})` };
  }
  return undefined;
}

/** The refusal for one recipient more than the transaction may have, or undefined. */
export function recipientCountRefusal(alreadyAccepted: number, max = MAX_RECIPIENTS): SmtpRefusal | undefined {
  if (alreadyAccepted < max) return undefined;
  return { code: 452, text: '4.5.3 Too many recipients', reason: `more than ${max} recipients in one transaction (send the rest in another)` };
}

export const LONG_LINE_REFUSAL: SmtpRefusal = {
  code: 550,
  text: `5.6.0 Message has a line longer than ${MAX_LINE_OCTETS} octets`,
  reason: `a line longer than ${MAX_LINE_OCTETS} octets (RFC 5322 §2.1.1)`,
};

/** Watches the DATA stream chunk by chunk for a line over the limit (a line, or its CRLF, may span chunks). */
export class LineLengthWatch {
  /** Octets of the line still open, a CR at its end included. */
  private current = 0;
  private longest = 0;
  private lastWasCr = false;

  constructor(private readonly max = MAX_LINE_OCTETS) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, start)) {
      const beforeIsCr = newline > 0 ? chunk[newline - 1] === 0x0d : this.lastWasCr;
      this.longest = Math.max(this.longest, this.current + newline - start - (beforeIsCr ? 1 : 0));
      this.current = 0;
      start = newline + 1;
    }
    this.current += chunk.length - start;
    this.lastWasCr = chunk[chunk.length - 1] === 0x0d;
  }

  get exceeded(): boolean {
    const open = this.current - (this.lastWasCr && this.current > 0 ? 1 : 0);
    return Math.max(this.longest, open) > this.max;
  }
}
