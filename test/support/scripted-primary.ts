// A real SMTP server (smtp-server) on 127.0.0.1 that plays "the primary" in tests.
// Every step can be scripted: accept, reply with a code, stall (never answer) or
// drop the connection, per connection, per recipient and after DATA. It records
// every message it kept. Note: smtp-server waits ~100 ms before each greeting.
//
//   const primary = await ScriptedPrimary.start({ starttls: 'require' });
//   primary.script = { rcpt: { 'b@example.com': { code: 451, enhanced: '4.2.0', text: 'try later' } } };
//   ... deliver to primary.asPrimary('opportunistic') ...
//   expect(primary.messages[0].raw.toString()).toContain('Subject:');
//   await primary.stop();
import { createHash, X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { PrimaryServer, TlsMode } from '../../lambdas/core/model.js';

/** A reply the server sends: `451 4.3.0 text`. */
export interface Reply {
  code: number;
  enhanced?: string;
  text?: string;
}

export type GreetingAction = 'accept' | 'stall' | Reply;
/** For MAIL FROM and RCPT TO: 'drop' closes the socket without a reply. */
export type EnvelopeAction = 'accept' | 'stall' | 'drop' | Reply;
/**
 * After the client starts DATA. 'drop-mid-data' closes the socket on the first chunk
 * (nothing kept); 'drop-after-dot' keeps the message, then closes without replying
 * (the duplicate case); 'stall' reads the message and never answers (nothing kept);
 * a Reply answers after the final dot (nothing kept unless its code is 2xx).
 */
export type DataAction = 'accept' | 'stall' | 'drop-mid-data' | 'drop-after-dot' | Reply;

export interface ConnectionInfo {
  /** 1-based count of TCP connections since the primary was created (across restarts). */
  connection: number;
}

export interface TransactionInfo extends ConnectionInfo {
  /** 1-based number of the transaction on this connection. */
  transaction: number;
  from: string;
  /** Recipients accepted so far. */
  to: string[];
  secure: boolean;
}

export interface Script {
  greeting?: GreetingAction | ((c: ConnectionInfo) => GreetingAction);
  mailFrom?: EnvelopeAction | ((from: string, t: TransactionInfo) => EnvelopeAction);
  /** By address (others accepted), or a function. */
  rcpt?: Record<string, EnvelopeAction> | ((to: string, t: TransactionInfo) => EnvelopeAction);
  data?: DataAction | ((t: TransactionInfo) => DataAction);
  /** Wait this long after the final dot before replying; a kept message is recorded at the dot (a slow primary). */
  replyDelayMs?: number;
  /** Wait this long before the greeting: a primary that takes mail, but too slowly for a probe with a shorter step timeout. */
  greetingDelayMs?: number;
}

export interface ScriptedPrimaryOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** 'offer' (default): STARTTLS advertised; 'require': MAIL gets 530 before STARTTLS; 'off': not offered. */
  starttls?: 'offer' | 'require' | 'off';
  /** Defaults to smtp-server's built-in self-signed "localhost" certificate (expired: never verifies). */
  certificate?: { key: string; cert: string };
  /** When set, AUTH PLAIN/LOGIN is required (allowed without TLS) with these credentials. */
  auth?: { username: string; password: string };
  /** Advertised SIZE limit; bigger messages get 552 5.3.4. */
  size?: number;
  smtpUtf8?: boolean;
  eightBitMime?: boolean;
  pipelining?: boolean;
  /** 'raw' (default) keeps each message's bytes; 'digest' only its length and SHA-256 (huge messages). */
  keep?: 'raw' | 'digest';
  script?: Script;
  /** Idle timeout of the server side, ms (default 60 s). */
  socketTimeoutMs?: number;
}

/** A message the primary kept. */
export interface ReceivedMessage {
  queueId: string;
  /** Envelope sender; '' for MAIL FROM:<>. */
  from: string;
  to: string[];
  /** The DATA bytes with SMTP transparency undone (empty in 'digest' mode). */
  raw: Buffer;
  size: number;
  sha256: string;
  /** MAIL FROM parameters, e.g. { BODY: '8BITMIME', SMTPUTF8: true }. */
  mailParams: Record<string, string | true>;
  secure: boolean;
  user?: string;
  connection: number;
  transaction: number;
  /** True when the connection was dropped after the final dot: the client saw no reply. */
  droppedAfterDot: boolean;
}

const replyError = (r: Reply) =>
  Object.assign(new Error([r.enhanced, r.text ?? 'scripted reply'].filter(Boolean).join(' ')), { responseCode: r.code });

export class ScriptedPrimary {
  readonly host = '127.0.0.1';
  /** Replace at any time; it applies from the next SMTP step on. */
  script: Script;
  readonly messages: ReceivedMessage[] = [];
  /** The user name of every AUTH the primary was asked for, accepted or not. */
  readonly authAttempts: string[] = [];
  /** The name of every command a client sent, in order, across connections ("EHLO", "STARTTLS", "AUTH", …). */
  readonly commands: string[] = [];
  /** The bytes clients wrote, as read from TCP: what a wire tap sees of the plain-text part of each session. */
  readonly wire: Buffer[] = [];
  private server?: SMTPServer;
  private currentPort: number;
  private connections = 0;
  private queued = 0;
  private readonly sockets = new Map<number, { socket: Socket; connection: number }>();

  private constructor(private readonly options: ScriptedPrimaryOptions) {
    this.script = options.script ?? {};
    this.currentPort = options.port ?? 0;
  }

  static async start(options: ScriptedPrimaryOptions = {}): Promise<ScriptedPrimary> {
    const primary = new ScriptedPrimary(options);
    await primary.listen();
    return primary;
  }

  get port(): number {
    return this.currentPort;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** TCP connections accepted since creation (across restarts). */
  get connectionCount(): number {
    return this.connections;
  }

  /** Connections open right now. */
  get openConnections(): number {
    return this.sockets.size;
  }

  /** The route's primary as the drain sees it. */
  asPrimary(tls: TlsMode = 'none'): PrimaryServer {
    return { host: this.host, port: this.currentPort, tls };
  }

  /** tls "fingerprint" pinned to this primary's certificate (given in the options). */
  asPinnedPrimary(): PrimaryServer {
    return { ...this.asPrimary('fingerprint'), tlsFingerprints: [this.certificateFingerprint] };
  }

  /** The SHA-256 of the certificate it presents, "sha256:AB:…" (only for a certificate given in the options). */
  get certificateFingerprint(): string {
    if (!this.options.certificate) throw new Error('this primary uses smtp-server\'s built-in certificate: pass one in the options');
    return `sha256:${new X509Certificate(this.options.certificate.cert).fingerprint256}`;
  }

  /** Forgets the kept messages and the script (counters stay). */
  reset(script: Script = {}): void {
    this.messages.length = 0;
    this.script = script;
  }

  messagesFor(recipient: string): ReceivedMessage[] {
    return this.messages.filter((m) => m.to.includes(recipient));
  }

  async waitForMessages(count: number, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      if (Date.now() > deadline) throw new Error(`primary has ${this.messages.length} messages, expected ${count}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Stops listening and drops every open connection at once. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const { socket } of this.sockets.values()) socket.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Starts again on the same port (a flapping primary). */
  async restart(): Promise<void> {
    await this.stop();
    await this.listen();
  }

  private async listen(): Promise<void> {
    if (this.server) return;
    const o = this.options;
    const disabled = [...(o.starttls === 'off' ? ['STARTTLS'] : []), ...(o.auth ? [] : ['AUTH'])];
    const server = new SMTPServer({
      name: 'primary.test',
      // Only to record command names (smtp-server logs each one with its name at debug level).
      logger: commandRecorder(this.commands),
      disableReverseLookup: true,
      hideENHANCEDSTATUSCODES: true, // scripted replies carry their own enhanced codes
      disabledCommands: disabled,
      authOptional: !o.auth,
      allowInsecureAuth: true,
      size: o.size,
      rejectOversized: o.size !== undefined,
      hideSMTPUTF8: o.smtpUtf8 === false,
      hide8BITMIME: o.eightBitMime === false,
      hidePIPELINING: o.pipelining === false,
      socketTimeout: o.socketTimeoutMs ?? 60_000,
      closeTimeout: 200,
      ...(o.certificate ?? {}),
      onConnect: (session, cb) => this.onConnect(session, cb),
      onAuth: (auth, _session, cb) => {
        this.authAttempts.push(auth.username ?? '');
        const ok = o.auth && auth.username === o.auth.username && auth.password === o.auth.password;
        if (ok) return cb(null, { user: auth.username });
        cb(replyError({ code: 535, enhanced: '5.7.8', text: 'Authentication credentials invalid' }));
      },
      onMailFrom: (address, session, cb) => {
        if (o.starttls === 'require' && !session.secure) {
          return cb(replyError({ code: 530, enhanced: '5.7.0', text: 'Must issue a STARTTLS command first' }));
        }
        const s = this.script.mailFrom;
        const action = typeof s === 'function' ? s(address.address, this.info(session, address.address)) : s;
        this.act(action ?? 'accept', session, cb);
      },
      onRcptTo: (address, session, cb) => {
        const s = this.script.rcpt;
        const info = this.info(session);
        const action = typeof s === 'function' ? s(address.address, info) : s?.[address.address];
        this.act(action ?? 'accept', session, cb);
      },
      onData: (stream, session, cb) => {
        const s = this.script.data;
        const info = this.info(session);
        const action = (typeof s === 'function' ? s(info) : s) ?? 'accept';
        const keepRaw = (o.keep ?? 'raw') === 'raw';
        const chunks: Buffer[] = [];
        const hash = createHash('sha256');
        let size = 0;
        stream.on('data', (chunk: Buffer) => {
          if (action === 'drop-mid-data') return this.drop(session);
          size += chunk.length;
          hash.update(chunk);
          if (keepRaw) chunks.push(chunk);
        });
        stream.on('end', () => {
          if (action === 'drop-mid-data' || action === 'stall') return;
          const kept = action === 'accept' || action === 'drop-after-dot' || action.code < 300;
          const queueId = `Q${++this.queued}`;
          if (kept && !stream.sizeExceeded) {
            const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
            const params = session.envelope.mailFrom ? session.envelope.mailFrom.args || {} : {};
            this.messages.push({
              queueId,
              from,
              to: session.envelope.rcptTo.map((r) => r.address),
              raw: Buffer.concat(chunks),
              size,
              sha256: hash.digest('hex'),
              mailParams: { ...params },
              secure: session.secure,
              user: session.user as string | undefined,
              connection: info.connection,
              transaction: info.transaction,
              droppedAfterDot: action === 'drop-after-dot',
            });
          }
          if (action === 'drop-after-dot') return this.drop(session);
          const reply = () => (action === 'accept' ? cb(null, `2.0.0 Ok: queued as ${queueId}`) : cb(replyError(action)));
          const delay = this.script.replyDelayMs ?? 0;
          if (delay > 0) setTimeout(reply, delay);
          else reply();
        });
      },
    });
    server.on('error', () => undefined); // client resets are expected here
    server.server.on('connection', (socket: Socket) => {
      const connection = ++this.connections;
      const port = socket.remotePort ?? 0;
      this.sockets.set(port, { socket, connection });
      socket.on('close', () => this.sockets.delete(port));
      socket.on('data', (chunk: Buffer) => this.wire.push(chunk));
    });
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.currentPort, this.host, () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    const address = server.server.address();
    if (address && typeof address === 'object') this.currentPort = address.port;
    this.server = server;
  }

  private onConnect(session: SMTPServerSession, cb: (err?: Error | null) => void): void {
    const g = this.script.greeting;
    const action = typeof g === 'function' ? g({ connection: this.connectionOf(session) }) : (g ?? 'accept');
    if (action === 'stall') return;
    const greet = () => (action === 'accept' ? cb() : cb(replyError(action)));
    const delay = this.script.greetingDelayMs ?? 0;
    if (delay > 0) setTimeout(greet, delay);
    else greet();
  }

  private act(action: EnvelopeAction, session: SMTPServerSession, cb: (err?: Error | null) => void): void {
    if (action === 'stall') return;
    if (action === 'drop') return this.drop(session);
    if (action === 'accept') return cb();
    cb(replyError(action));
  }

  private drop(session: SMTPServerSession): void {
    this.sockets.get(session.remotePort)?.socket.destroy();
  }

  private connectionOf(session: SMTPServerSession): number {
    return this.sockets.get(session.remotePort)?.connection ?? 0;
  }

  private info(session: SMTPServerSession, from?: string): TransactionInfo {
    const mailFrom = session.envelope.mailFrom;
    return {
      connection: this.connectionOf(session),
      transaction: session.transaction,
      from: from ?? (mailFrom ? mailFrom.address : ''),
      to: session.envelope.rcptTo.map((r) => r.address),
      secure: session.secure,
    };
  }
}

/** A bunyan-like logger that keeps the name of each command smtp-server logs, and drops the rest. */
function commandRecorder(commands: string[]) {
  const ignore = () => undefined;
  return {
    trace: ignore,
    info: ignore,
    warn: ignore,
    error: ignore,
    fatal: ignore,
    debug: (data: unknown) => {
      const entry = data as { tnx?: string; command?: string } | undefined;
      if (entry?.tnx === 'command' && entry.command) commands.push(entry.command);
    },
  };
}

/**
 * A fresh self-signed certificate for the given names (DNS names or IPs), made with the
 * openssl CLI at test time. Trust it on the client with `ca: cert` to test verification.
 */
export function makeTestCertificate(names: string[] = ['localhost', '127.0.0.1'], days = 2): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'backupmx-cert-'));
  try {
    const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', String(days),
      '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${san}`,
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
