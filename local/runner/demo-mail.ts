// The demo's mail: a few messages that show what a backup MX must keep
// (a BCC recipient that is in no header, a bounce with the null sender),
// sent over real SMTP with nodemailer, and the checks made on arrival.
import nodemailer from 'nodemailer';
import type { DeliveredMessage } from './demo-primary.js';

export interface DemoMessage {
  label: string;
  /** Its Message-ID header: how the demo finds it again at the primary. */
  key: string;
  /** Envelope sender; '' sends MAIL FROM:<>. */
  from: string;
  to: string[];
  raw: Buffer;
}

const message = (headers: string[], body: string) => Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body.replace(/\n/g, '\r\n')}`);

export function demoMessages(domain: string): DemoMessage[] {
  const date = new Date().toUTCString().replace('GMT', '+0000');
  return [
    {
      key: '<lunch.1@sender.test>',
      label: 'a plain message',
      from: 'alice@sender.test',
      to: [`bob@${domain}`],
      raw: message(
        ['From: Alice <alice@sender.test>', `To: Bob <bob@${domain}>`, 'Subject: Lunch on Friday?', `Date: ${date}`, `Message-ID: <lunch.1@sender.test>`],
        'Hi Bob,\nare you free for lunch on Friday?\n-- Alice\n',
      ),
    },
    {
      key: '<draft.2@sender.test>',
      label: 'a message with a BCC recipient (only in the envelope)',
      from: 'carol@sender.test',
      to: [`bob@${domain}`, `dave@${domain}`],
      raw: message(
        ['From: Carol <carol@sender.test>', `To: Bob <bob@${domain}>`, 'Subject: Contract draft', `Date: ${date}`, `Message-ID: <draft.2@sender.test>`],
        'Bob, the draft is attached in spirit. (Dave gets a blind copy.)\n',
      ),
    },
    {
      key: '<bounce.3@sender.test>',
      label: 'a bounce (null sender <>)',
      from: '',
      to: [`bob@${domain}`],
      raw: message(
        ['From: Mail Delivery System <MAILER-DAEMON@sender.test>', `To: bob@${domain}`, 'Subject: Undelivered Mail Returned to Sender', `Date: ${date}`, `Message-ID: <bounce.3@sender.test>`],
        'Your message to nobody@sender.test could not be delivered.\n',
      ),
    },
  ];
}

export interface SendOutcome {
  ok: boolean;
  /** The server's final reply, or the error's. */
  reply: string;
  code?: number;
}

/** Sends over SMTP to the SES stand-in; a refusal comes back as ok: false with the server's reply. */
export async function sendOverSmtp(port: number, mail: Pick<DemoMessage, 'from' | 'to' | 'raw'>): Promise<SendOutcome> {
  // ignoreTLS: the stand-in offers STARTTLS with a self-signed certificate; loopback needs none.
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    const info = await transport.sendMail({ envelope: { from: mail.from, to: mail.to }, raw: mail.raw });
    return { ok: true, reply: info.response };
  } catch (error) {
    const e = error as { response?: string; responseCode?: number; message: string; rejectedErrors?: { response?: string; responseCode?: number }[] };
    const first = e.rejectedErrors?.[0];
    return { ok: false, reply: first?.response ?? e.response ?? e.message, code: first?.responseCode ?? e.responseCode };
  } finally {
    transport.close();
  }
}

/** The queue id in a stand-in's "250 Ok <id>" reply. */
export const messageIdFromReply = (reply: string): string | undefined => /\bOk (\S+)/.exec(reply)?.[1];

/** The primary's copy of a sent message, found by its Message-ID header. */
export function findDelivered(sent: DemoMessage, delivered: DeliveredMessage[]): DeliveredMessage | undefined {
  return delivered.find((m) => m.raw.includes(`Message-ID: ${sent.key}`));
}

/** What must hold for a delivered message; returns the problems found (none = good). */
export function checkDelivery(sent: DemoMessage, got: DeliveredMessage | undefined): string[] {
  if (!got) return [`${sent.label}: not delivered`];
  const problems: string[] = [];
  if (got.from !== sent.from) problems.push(`${sent.label}: MAIL FROM <${got.from}>, expected <${sent.from}>`);
  if ([...got.to].sort().join() !== [...sent.to].sort().join()) {
    problems.push(`${sent.label}: RCPT TO ${got.to.join(', ')}, expected ${sent.to.join(', ')}`);
  }
  if (!got.raw.subarray(got.raw.length - sent.raw.length).equals(sent.raw)) problems.push(`${sent.label}: the original bytes changed`);
  if (!got.raw.toString('latin1').startsWith('Received: ')) problems.push(`${sent.label}: no Received: header first`);
  return problems;
}
