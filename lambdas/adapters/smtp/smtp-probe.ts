// Checks that a primary can take mail: connect, 220 greeting, EHLO, STARTTLS when
// the route's TLS mode asks for it (and when offered, for opportunistic; with
// "fingerprint" the certificate must match a pin), EHLO again over TLS, AUTH
// when the primary names a secret (unless skipAuth; only past credential-gate),
// QUIT. Each step has its own timeout; a failure names its step
// ("connect: ECONNREFUSED", "greeting: timeout after 5000 ms", "STARTTLS: not offered").
// Raw sockets rather than nodemailer so every step is visible.
import net from 'node:net';
import tls from 'node:tls';
import type { PrimaryServer } from '../../core/model.js';
import type { PrimaryProbe, ProbeCheckOptions, ProbeResult } from '../../core/probe/ports.js';
import { ProbeStepError, SmtpReplyReader, replyText, type RawReply } from './smtp-reply-reader.js';
import { connectStep, tlsStep } from './socket-steps.js';
import { requiresStartTls, tlsPolicy, type ExtraTlsOptions } from './tls-policy.js';
import { AuthRefusedError, authenticate, type ProbeCredentialSource } from './probe-auth.js';
import { credentialDigest } from './credential-digest.js';
import { assertMaySendCredentials, AuthWithheldError } from './credential-gate.js';

export interface SmtpProbeOptions {
  /** Name sent with EHLO. */
  clientName: string;
  /** Timeout of each step, ms. */
  stepTimeoutMs: number;
  tls?: ExtraTlsOptions;
  /** Credentials of primaries with an authSecretName; without it the probe skips AUTH. */
  auth?: ProbeCredentialSource;
}

export class SmtpProbe implements PrimaryProbe {
  constructor(private readonly options: SmtpProbeOptions) {}

  async check(primary: PrimaryServer, options: ProbeCheckOptions = {}): Promise<ProbeResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let socket: net.Socket | undefined;
    let plain: net.Socket | undefined;
    let greeting: string | undefined;
    let digest: string | undefined;
    try {
      socket = plain = await connectStep(primary, this.options.stepTimeoutMs);
      const reader = new SmtpReplyReader(socket);
      const hello = await reader.next('greeting', this.options.stepTimeoutMs);
      greeting = replyText(hello);
      if (hello.code !== 220) throw new ProbeStepError('greeting', greeting);
      let ehlo = await this.ehlo(socket, reader, primary);
      const policy = tlsPolicy(primary.tls, primary.host, this.options.tls);
      if (policy.useStartTls) {
        const secured = await this.startTls(socket, reader, ehlo, policy, primary);
        if (secured) {
          socket = secured;
          ehlo = await this.ehlo(socket, reader, primary);
        }
      }
      if (primary.authSecretName && this.options.auth && options.skipAuth) {
        digest = await this.currentDigest(primary.authSecretName, this.options.auth);
      } else if (primary.authSecretName && this.options.auth) {
        // Before the secret is even read: nothing to leak if the peer is not authenticated.
        assertMaySendCredentials(socket, primary);
        let credentials;
        try {
          credentials = await this.options.auth.credentials(primary.authSecretName);
        } catch (error) {
          throw new ProbeStepError('AUTH', `cannot read the secret: ${(error as Error).message}`);
        }
        digest = credentialDigest(primary.authSecretName, credentials);
        await authenticate(socket, reader, ehlo, credentials, this.options.stepTimeoutMs);
      }
      const latencyMs = elapsed();
      await this.quit(socket, reader);
      return { ok: true, latencyMs, greeting, ...(digest ? { credentialDigest: digest } : {}) };
    } catch (err) {
      const authWithheld = err instanceof AuthWithheldError;
      const error = err instanceof ProbeStepError || authWithheld ? (err as Error).message : `probe: ${(err as Error).message}`;
      const authRefused = err instanceof AuthRefusedError;
      // A refused password may have been rotated: read the secret again next time.
      if (authRefused && primary.authSecretName) this.options.auth?.forget?.(primary.authSecretName);
      return {
        ok: false,
        latencyMs: elapsed(),
        error,
        ...(greeting ? { greeting } : {}),
        ...(authRefused ? { authRefused } : {}),
        ...(authWithheld ? { authWithheld } : {}),
        ...(digest ? { credentialDigest: digest } : {}),
      };
    } finally {
      socket?.destroy();
      plain?.destroy();
    }
  }

  /** The secret's digest without logging in; unknown (undefined) when it cannot be read: the reachability check stands. */
  private async currentDigest(secretName: string, auth: ProbeCredentialSource): Promise<string | undefined> {
    try {
      return auth.digest ? await auth.digest(secretName) : credentialDigest(secretName, await auth.credentials(secretName));
    } catch {
      return undefined;
    }
  }

  /** EHLO, or HELO when EHLO is refused and the mode needs no STARTTLS (nodemailer does the same). */
  private async ehlo(socket: net.Socket, reader: SmtpReplyReader, primary: PrimaryServer): Promise<RawReply> {
    socket.write(`EHLO ${this.options.clientName}\r\n`);
    const reply = await reader.next('EHLO', this.options.stepTimeoutMs);
    if (reply.code >= 200 && reply.code < 300) return reply;
    if (requiresStartTls(primary.tls) || reply.code === 421) {
      throw new ProbeStepError('EHLO', replyText(reply));
    }
    socket.write(`HELO ${this.options.clientName}\r\n`);
    const helo = await reader.next('HELO', this.options.stepTimeoutMs);
    if (helo.code < 200 || helo.code >= 300) throw new ProbeStepError('HELO', replyText(helo));
    return helo;
  }

  /** Returns the TLS socket, or undefined when opportunistic TLS stays in plain text. */
  private async startTls(
    socket: net.Socket,
    reader: SmtpReplyReader,
    ehlo: RawReply,
    policy: ReturnType<typeof tlsPolicy>,
    primary: PrimaryServer,
  ): Promise<tls.TLSSocket | undefined> {
    const offered = ehlo.lines.some((line) => /^\d{3}[ -]STARTTLS\b/i.test(line));
    if (!offered) {
      if (policy.requireStartTls) throw new ProbeStepError('STARTTLS', 'not offered');
      return undefined;
    }
    socket.write('STARTTLS\r\n');
    const reply = await reader.next('STARTTLS', this.options.stepTimeoutMs);
    if (reply.code !== 220) {
      if (policy.requireStartTls) throw new ProbeStepError('STARTTLS', replyText(reply));
      return undefined;
    }
    reader.detach();
    const secured = await tlsStep(socket, policy.tls, primary, this.options.stepTimeoutMs);
    reader.attach(secured);
    return secured;
  }

  /** QUIT is a courtesy: a primary that answered EHLO is up whatever it does next. */
  private async quit(socket: net.Socket, reader: SmtpReplyReader): Promise<void> {
    try {
      socket.write('QUIT\r\n');
      await reader.next('QUIT', Math.min(this.options.stepTimeoutMs, 2_000));
    } catch {
      // ignored: see above
    }
  }
}
