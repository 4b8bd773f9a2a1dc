// Maps what nodemailer's SMTPConnection.send reported to one reply per recipient.
import type { SmtpReply } from '../../core/model.js';
import type { TransactionResult } from '../../core/drain/ports.js';
import { parseReply, replyOfError, sessionFailureReply, type NodemailerErrorLike } from './smtp-reply.js';

/** Nodemailer errors that are a server's answer inside a transaction; the session survives them. */
const TRANSACTION_ERRORS = new Set(['EENVELOPE', 'EMESSAGE']);

/** Every recipient gets the same reply. */
export function sameForAll(recipients: string[], reply: SmtpReply, flags: Omit<TransactionResult, 'replies'>): TransactionResult {
  return { replies: recipients.map((recipient) => ({ recipient, reply })), ...flags };
}

/**
 * True when the error is the server refusing this transaction on a live session
 * (MAIL, RCPT or DATA answered with a code other than 421): the connection can be
 * reset with RSET and reused.
 */
export function isTransactionError(err: NodemailerErrorLike): boolean {
  return TRANSACTION_ERRORS.has(err.code ?? '') && err.responseCode !== undefined && err.responseCode !== 421;
}

/** A 2xx after the final dot: accepted recipients get it, refused ones their RCPT reply. */
export function fromSuccess(
  recipients: string[],
  response: string,
  rejectedErrors: NodemailerErrorLike[] | undefined,
): TransactionResult {
  return perRecipient(recipients, parseReply(response), rejectedErrors, { connectionFailed: false });
}

/**
 * A failed send. `rcptErrors` are the RCPT refusals seen in this transaction
 * (nodemailer keeps them on the error only when every recipient was refused).
 * `dotSent` says whether the whole message, final dot included, had been handed
 * to the socket.
 */
export function fromError(
  recipients: string[],
  err: NodemailerErrorLike,
  rcptErrors: NodemailerErrorLike[] | undefined,
  dotSent: boolean,
): TransactionResult {
  if (err.code === 'ESTREAM') {
    // Our source (the S3 body) failed mid-message: no final dot went out, the
    // primary is not at fault and keeps nothing.
    return sameForAll(recipients, { text: `reading the message failed: ${err.message}`, errorCode: 'ESTREAM' }, { connectionFailed: false });
  }
  if (isTransactionError(err)) {
    if (err.command === 'MAIL FROM') {
      // RCPTs pipelined behind a refused MAIL only get "503 need MAIL": the MAIL reply is the verdict.
      return sameForAll(recipients, replyOfError(err), { connectionFailed: false });
    }
    return perRecipient(recipients, replyOfError(err), err.rejectedErrors ?? rcptErrors, { connectionFailed: false });
  }
  if (err.code === 'EMESSAGE' && err.command === 'MAIL FROM' && err.responseCode === undefined) {
    // Refused before sending because the message is bigger than the SIZE the
    // primary advertised: the same verdict a 552 5.3.4 from it would be.
    return sameForAll(recipients, { code: 552, enhanced: '5.3.4', text: `not sent: ${err.message}` }, { connectionFailed: false });
  }
  if (err.code === 'EENVELOPE' && err.responseCode === undefined) {
    // Refused by nodemailer itself (an address with <, > or a line break): no server involved.
    return sameForAll(recipients, { text: err.message, errorCode: 'EENVELOPE' }, { connectionFailed: false });
  }
  // The session failed: timeout, reset, TLS, 421. RCPT refusals already received
  // stay the verdict for their recipients. Only a drop with no reply after the
  // final dot leaves the primary possibly holding the message.
  const afterData = dotSent && err.responseCode === undefined;
  return perRecipient(recipients, sessionFailureReply(err), rcptErrors, { connectionFailed: true, afterData });
}

function perRecipient(
  recipients: string[],
  transactionReply: SmtpReply,
  rejectedErrors: NodemailerErrorLike[] | undefined,
  flags: Omit<TransactionResult, 'replies'>,
): TransactionResult {
  const refused = new Map<string, SmtpReply>();
  for (const e of rejectedErrors ?? []) if (e.recipient !== undefined) refused.set(e.recipient, replyOfError(e));
  return {
    replies: recipients.map((recipient) => ({ recipient, reply: refused.get(recipient) ?? transactionReply })),
    ...flags,
  };
}
