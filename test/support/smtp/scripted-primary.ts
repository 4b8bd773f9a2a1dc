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
//
// The script and what it records: scripted-primary-script.ts; test certificates:
// scripted-primary-certificate.ts (import them from those files).
import { createHash, X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { PrimaryServer, TlsMode } from '../../../lambdas/core/model.js';
import type { ConnectionInfo, EnvelopeAction, Reply, Script, ScriptedPrimaryOptions, ReceivedMessage, TransactionInfo } from './scripted-primary-script.js';

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
