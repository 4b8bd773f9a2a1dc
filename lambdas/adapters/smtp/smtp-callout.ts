// RCPT TO callouts for `backup-mx recipients verify`: one SMTP session the way
// the drain opens it (greeting, EHLO, STARTTLS per the route's mode, AUTH when
// the route has a secret, only past credential-gate), MAIL FROM:<>, then one RCPT TO per address and its
// reply. Never DATA: the session ends with QUIT. Raw sockets (like the probe),
// because nodemailer offers no envelope without a message.
import net from 'node:net';
import type { PrimaryServer, SmtpReply } from '../../core/model.js';
import type { CalloutSession, RecipientCallout } from '../../core/operator/ports.js';
import type { SmtpAuthSource } from '../aws/secrets-smtp-auth.js';
import { parseReply } from './smtp-reply.js';
import { ProbeStepError, SmtpReplyReader, replyText, type RawReply } from './smtp-reply-reader.js';
import { connectStep, tlsStep } from './socket-steps.js';
import { tlsPolicy, type ExtraTlsOptions } from './tls-policy.js';
import { assertMaySendCredentials } from './credential-gate.js';

export interface SmtpCalloutOptions {
  clientName: string;
  stepTimeoutMs: number;
  auth?: SmtpAuthSource;
  tls?: ExtraTlsOptions;
}

const toReply = (raw: RawReply): SmtpReply => parseReply(raw.lines.join('\n'));

class Session implements CalloutSession {
  constructor(
    private socket: net.Socket,
    private readonly reader: SmtpReplyReader,
    private readonly timeoutMs: number,
  ) {}

  async check(address: string): Promise<SmtpReply> {
    this.socket.write(`RCPT TO:<${address}>\r\n`);
    return toReply(await this.reader.next('RCPT', this.timeoutMs));
  }

  async close(): Promise<void> {
    try {
      this.socket.write('QUIT\r\n');
      await this.reader.next('QUIT', Math.min(this.timeoutMs, 2_000));
    } catch {
      // a courtesy only
    } finally {
      this.socket.destroy();
    }
  }
}

export class SmtpCallout implements RecipientCallout {
  constructor(private readonly options: SmtpCalloutOptions) {}

  async open(primary: PrimaryServer): Promise<CalloutSession> {
    const timeoutMs = this.options.stepTimeoutMs;
    let socket = await connectStep(primary, this.options.stepTimeoutMs);
    const plain = socket;
    try {
      const reader = new SmtpReplyReader(socket);
      const expect = async (step: string, ok: (code: number) => boolean) => {
        const reply = await reader.next(step, timeoutMs);
        if (!ok(reply.code)) throw new ProbeStepError(step, replyText(reply));
        return reply;
      };
      await expect('greeting', (c) => c === 220);
      const ehlo = () => {
        socket.write(`EHLO ${this.options.clientName}\r\n`);
        return expect('EHLO', (c) => c >= 200 && c < 300);
      };
      let caps = await ehlo();
      const policy = tlsPolicy(primary.tls, primary.host, this.options.tls);
      const offersTls = caps.lines.some((l) => /^\d{3}[ -]STARTTLS\b/i.test(l));
      if (policy.useStartTls && (offersTls || policy.requireStartTls)) {
        if (!offersTls) throw new ProbeStepError('STARTTLS', 'not offered');
        socket.write('STARTTLS\r\n');
        await expect('STARTTLS', (c) => c === 220);
        reader.detach();
        socket = await tlsStep(socket, policy.tls, primary, this.options.stepTimeoutMs);
        reader.attach(socket);
        caps = await ehlo();
      }
      if (primary.authSecretName) {
        if (!this.options.auth) throw new ProbeStepError('AUTH', `no credential source for secret ${primary.authSecretName}`);
        assertMaySendCredentials(socket, primary);
        if (!caps.lines.some((l) => /^\d{3}[ -]AUTH\b.*\bPLAIN\b/i.test(l))) throw new ProbeStepError('AUTH', 'PLAIN not offered');
        const { username, password } = await this.options.auth.credentials(primary.authSecretName);
        socket.write(`AUTH PLAIN ${Buffer.from(`\0${username}\0${password}`, 'utf8').toString('base64')}\r\n`);
        await expect('AUTH', (c) => c === 235);
      }
      socket.write('MAIL FROM:<>\r\n');
      await expect('MAIL', (c) => c >= 200 && c < 300);
      return new Session(socket, reader, timeoutMs);
    } catch (error) {
      socket.destroy();
      plain.destroy();
      throw error;
    }
  }

}
