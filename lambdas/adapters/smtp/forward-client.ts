// Tells the primary who the original client was, on a nodemailer session, just
// before MAIL FROM (facts from Postfix's XCLIENT_README, XFORWARD_README and
// smtpd.c; the code is ours):
// - Both are offered in EHLO ("250-XCLIENT NAME ADDR PROTO HELO …"), take
//   attribute=xtext pairs, and are refused inside a MAIL transaction.
// - XCLIENT makes the primary treat the session as coming from that client:
//   it answers 220 and wants a new EHLO; it keeps TLS but drops a SASL login;
//   and it judges whether XCLIENT is allowed again against the *new* client
//   address, so a second message cannot say "now I am someone else" on the
//   same session. A session that sent XCLIENT is therefore used for one
//   message only (the transport retires it).
// - XFORWARD only changes what the primary logs; its attributes last until
//   the transaction ends, so it goes again before each message on a pooled session.
// - Command lines stay within 512 characters: long values are spread over
//   several commands, ADDR in the last (after it the client is usually no
//   longer authorised for XCLIENT).
// nodemailer has no API for either: the command goes through the same
// internals smtp-session.ts already relies on (_sendCommand and the queue of
// reply handlers), and the EHLO reply after XCLIENT is read with its own parser.
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { ForwardClientMode, PrimaryServer } from '../../core/model.js';
import type { DeliveryLog } from '../../core/runtime/ports.js';
import type { OriginalClient } from '../../core/message/original-client.js';
import type { NodemailerErrorLike } from './smtp-reply.js';
import { settle } from './smtp-session.js';

/** SMTP command lines are at most 512 characters with their CRLF (RFC 5321 §4.5.3.1.4). */
export const MAX_COMMAND = 510;

interface ForwardInternals {
  _ehloLines?: string[];
  _supportedExtensions?: string[];
  _responseActions?: ((str: string) => void)[];
  _sendCommand?: (str: string) => void;
  _parseEhloExtensions?: (str: string) => void;
  name?: string;
}

/** What happened; `failure` means the session can no longer be used (treat as a session failure). */
export type ForwardOutcome =
  | { told: false; why: 'not advertised'; command?: undefined }
  | { told: true; command: 'XCLIENT' | 'XFORWARD' }
  | { told: false; why: 'refused'; reply: string; command: 'XCLIENT' | 'XFORWARD' }
  | { told: false; failure: NodemailerErrorLike; command: 'XCLIENT' | 'XFORWARD' };

/** The attribute names the primary listed after the keyword in its last EHLO reply; undefined when it did not offer it. */
export function advertisedAttributes(conn: SMTPConnection, keyword: 'XCLIENT' | 'XFORWARD'): string[] | undefined {
  const lines = (conn as unknown as ForwardInternals)._ehloLines;
  if (!Array.isArray(lines)) throw new Error('nodemailer has no _ehloLines: the XCLIENT/XFORWARD offer cannot be read');
  for (const line of lines) {
    const words = line.trim().split(/\s+/);
    if (words[0]?.toUpperCase() === keyword) return words.slice(1).map((w) => w.toUpperCase());
  }
  return undefined;
}

/** RFC 1891 xtext: printable ASCII but "+" and "=" as is, every other byte as +HH. */
export function xtext(value: string): string {
  return [...Buffer.from(value, 'utf8')].map((b) => (b >= 0x21 && b <= 0x7e && b !== 0x2b && b !== 0x3d ? String.fromCharCode(b) : `+${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/**
 * The command lines telling `client`, only with the attributes the primary
 * offered (ADDR must be one); empty when it did not offer ADDR. HELO and
 * PROTO first, NAME and ADDR last, each line ≤ MAX_COMMAND.
 */
export function forwardCommands(keyword: 'XCLIENT' | 'XFORWARD', client: OriginalClient, offered: string[]): string[] {
  if (!offered.includes('ADDR')) return [];
  const values: [string, string][] = [
    ['HELO', client.helo],
    ['PROTO', 'ESMTP'],
    ['NAME', client.name ?? '[UNAVAILABLE]'],
    ['ADDR', client.family === 6 ? `IPV6:${client.addr}` : client.addr],
  ];
  const lines: string[] = [];
  let line = keyword;
  for (const [name, value] of values) {
    if (!offered.includes(name)) continue;
    const pair = ` ${name}=${xtext(value)}`;
    if (line.length + pair.length > MAX_COMMAND && line !== keyword) {
      lines.push(line);
      line = keyword;
    }
    line += pair;
  }
  lines.push(line);
  return lines;
}

/** Sends one command line and resolves with the primary's reply (nodemailer's reply queue keeps the order). */
function command(conn: SMTPConnection, line: string): Promise<string> {
  const internals = conn as unknown as ForwardInternals;
  if (!internals._responseActions || typeof internals._sendCommand !== 'function') throw new Error('nodemailer has no _sendCommand: XCLIENT/XFORWARD cannot be sent');
  return settle<string>(conn, (done) => {
    internals._responseActions!.push((reply) => done(null, reply));
    internals._sendCommand!.call(conn, line);
  });
}

const codeOf = (reply: string) => Number(reply.slice(0, 3));

function failureOf(reply: string, commandName: string): NodemailerErrorLike {
  return { message: reply.trim(), code: codeOf(reply) === 421 ? 'ECONNECTION' : 'EPROTOCOL', response: reply.trim(), responseCode: codeOf(reply) || undefined, command: commandName };
}

/**
 * Tells `client` to the primary with `mode`, when its last EHLO offered it.
 * A refusal (any reply but 220/250 and 421) leaves the session as it was:
 * the message then goes without it, as it would have before the feature.
 * 421, a dropped connection, or an EHLO after XCLIENT that is not 250 end the
 * session: `failure`.
 */
export async function tellOriginalClient(conn: SMTPConnection, mode: ForwardClientMode, client: OriginalClient): Promise<ForwardOutcome> {
  const keyword = mode === 'xclient' ? 'XCLIENT' : 'XFORWARD';
  const offered = advertisedAttributes(conn, keyword);
  const lines = offered ? forwardCommands(keyword, client, offered) : [];
  if (lines.length === 0) return { told: false, why: 'not advertised' };
  const expected = keyword === 'XCLIENT' ? 220 : 250;
  try {
    for (const [i, line] of lines.entries()) {
      const reply = await command(conn, line);
      if (codeOf(reply) === expected) continue;
      if (codeOf(reply) === 421) return { told: false, failure: failureOf(reply, keyword), command: keyword };
      // A refusal of a later XCLIENT line comes after the first one reset the session: no way back.
      if (i > 0 && keyword === 'XCLIENT') return { told: false, failure: failureOf(reply, keyword), command: keyword };
      return { told: false, why: 'refused', reply: reply.trim(), command: keyword };
    }
    if (keyword === 'XCLIENT') {
      // The primary is back at its greeting: EHLO again, as that client.
      const ehlo = await command(conn, `EHLO ${client.helo}`);
      if (codeOf(ehlo) !== 250) return { told: false, failure: failureOf(ehlo, 'EHLO'), command: keyword };
      refreshExtensions(conn, ehlo);
    }
    return { told: true, command: keyword };
  } catch (error) {
    return { told: false, failure: error as NodemailerErrorLike, command: keyword };
  }
}

/** What the primary offers the new client (SIZE, 8BITMIME, PIPELINING…) replaces what it offered us. */
function refreshExtensions(conn: SMTPConnection, ehloReply: string): void {
  const internals = conn as unknown as ForwardInternals;
  if (typeof internals._parseEhloExtensions !== 'function' || !Array.isArray(internals._supportedExtensions)) {
    throw new Error('nodemailer has no _parseEhloExtensions: the extensions after XCLIENT cannot be read');
  }
  internals._supportedExtensions.length = 0;
  internals._parseEhloExtensions.call(conn, ehloReply);
}

/** Tells each message's original client to one primary, logging a refusal, and "not offered" once per transport. */
export class ForwardClientTeller {
  private notOfferedLogged = false;

  constructor(
    private readonly primary: PrimaryServer,
    private readonly log?: Pick<DeliveryLog, 'info' | 'warn'>,
  ) {}

  /** XCLIENT/XFORWARD before this message when the primary wants it and offers it; undefined when not tried. */
  async tell(conn: SMTPConnection, client: OriginalClient | undefined): Promise<ForwardOutcome | undefined> {
    const mode = this.primary.forwardClient;
    if (!mode || !client) return undefined;
    const told = await tellOriginalClient(conn, mode, client);
    const where = { primary: `${this.primary.host}:${this.primary.port}` };
    if ('reply' in told) this.log?.warn(`${told.command} refused by the primary; the message goes without it`, { ...where, reply: told.reply });
    else if (!told.told && !('failure' in told) && !this.notOfferedLogged) {
      this.notOfferedLogged = true;
      this.log?.info(`the primary does not offer ${mode.toUpperCase()} with ADDR; messages go without it`, where);
    }
    return told;
  }
}
