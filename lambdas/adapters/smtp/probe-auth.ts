// The probe's SMTP AUTH step: the same credentials the drain uses, so a
// primary that answers but refuses them is reported as such, not as "up".
// PLAIN when offered (one round trip), else LOGIN; the probe calls it only
// after credential-gate allowed the session (verified or pinned TLS).
import type net from 'node:net';
import { ProbeStepError, replyText, type RawReply, type SmtpReplyReader } from './smtp-reply-reader.js';

export interface ProbeCredentials {
  username: string;
  password: string;
}

/**
 * Where the probe gets a route's credentials (SecretsSmtpAuth in Lambda);
 * `forget` drops a cached copy; `digest` reads the secret past any cache and
 * returns credentialDigest of it.
 */
export interface ProbeCredentialSource {
  credentials(secretName: string): Promise<ProbeCredentials>;
  forget?(secretName: string): void;
  digest?(secretName: string): Promise<string>;
}

/** The primary refused the credentials (5xx to AUTH): a configuration problem, not an outage. */
export class AuthRefusedError extends ProbeStepError {
  constructor(detail: string) {
    super('AUTH', detail);
    this.name = 'AuthRefusedError';
  }
}

export function offeredMechanisms(ehlo: RawReply): string[] {
  for (const line of ehlo.lines) {
    const match = /^\d{3}[ -]AUTH[ =](.*)$/i.exec(line);
    if (match) return match[1]!.trim().toUpperCase().split(/\s+/);
  }
  return [];
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** Runs AUTH on the open session; throws AuthRefusedError on a 5xx, ProbeStepError otherwise. */
export async function authenticate(
  socket: net.Socket,
  reader: SmtpReplyReader,
  ehlo: RawReply,
  credentials: ProbeCredentials,
  timeoutMs: number,
): Promise<void> {
  const mechanisms = offeredMechanisms(ehlo);
  const expect = async (want: number, step: string) => {
    const reply = await reader.next(step, timeoutMs);
    if (reply.code === want) return reply;
    // Never echo what we sent: the reply text only.
    if (reply.code >= 500) throw new AuthRefusedError(replyText(reply));
    throw new ProbeStepError(step, replyText(reply));
  };
  if (mechanisms.includes('PLAIN')) {
    socket.write(`AUTH PLAIN ${b64(`\u0000${credentials.username}\u0000${credentials.password}`)}\r\n`);
    await expect(235, 'AUTH');
    return;
  }
  if (mechanisms.includes('LOGIN')) {
    socket.write('AUTH LOGIN\r\n');
    await expect(334, 'AUTH');
    socket.write(`${b64(credentials.username)}\r\n`);
    await expect(334, 'AUTH');
    socket.write(`${b64(credentials.password)}\r\n`);
    await expect(235, 'AUTH');
    return;
  }
  throw new ProbeStepError('AUTH', mechanisms.length ? `no supported mechanism offered (${mechanisms.join(' ')})` : 'not offered');
}
