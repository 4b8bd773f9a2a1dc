// A real SMTP server (smtp-server) on 127.0.0.1 playing someone's mail server:
// the demo's primary (`npm run demo`), the bench's sink, and the tests'
// scripted primary (test/support/smtp/scripted-primary.ts) are all this one
// peer. Each step of a session asks `steps` what to do (accept, reply, stall,
// drop); it keeps what it received (bytes, a digest, or only counts) and can
// go down and come back on the same port.
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { EnvelopeAction, PeerSteps, ReceivedMessage, Reply, TransactionInfo } from './peer-steps.js';

export interface SmtpPeerOptions {
  /** Its name in the greeting and the EHLO reply. */
  name: string;
  /** Words after "ESMTP" in the greeting. */
  banner?: string;
  /** 0 (default) picks a free port; a restart keeps the port. */
  port?: number;
  /** 'offer' (default): STARTTLS advertised; 'require': MAIL gets 530 before STARTTLS; 'off': not offered. */
  starttls?: 'offer' | 'require' | 'off';
  /** Defaults to smtp-server's built-in self-signed "localhost" certificate (expired: never verifies). */
  certificate?: { key: string; cert: string };
  /** When set, AUTH PLAIN/LOGIN is required (allowed without TLS) with these credentials. */
  auth?: { username: string; password: string };
  /** Advertised SIZE limit. */
  size?: number;
  /** Refuse a message past `size` with 552 5.3.4 instead of only advertising the limit. */
  rejectOversized?: boolean;
  smtpUtf8?: boolean;
  eightBitMime?: boolean;
  pipelining?: boolean;
  /** What it keeps of each message: 'raw' (default) its bytes, 'digest' its length and SHA-256, 'count' only the counters. */
  keep?: 'raw' | 'digest' | 'count';
  /** Idle timeout of the server side, ms (default 60 s). */
  socketTimeoutMs?: number;
  /** How long a stop with `dropOnStop: false` lets open sessions finish, ms (default 200). */
  closeTimeoutMs?: number;
  maxClients?: number;
  /** A stop drops every open connection at once (default), or lets them finish within closeTimeoutMs. */
  dropOnStop?: boolean;
  /** Record the name of every command clients send (see `commands`). */
  recordCommands?: boolean;
  /** Record the bytes clients write (see `wire`). */
  recordWire?: boolean;
  /** The text of the 250 after an accepted message; default "2.0.0 Ok: queued as <queue id>". */
  acceptedReply?(message: { queueId: string; kept: number }): string;
  /** Told of every message kept, in every keep mode. */
  onReceived?(message: ReceivedMessage): void;
  steps?: PeerSteps;
  /** Client addresses allowed to send XCLIENT / XFORWARD (offered in EHLO to them only). */
  xclientFrom?: string[];
  xforwardFrom?: string[];
}

const replyError = (r: Reply) =>
  Object.assign(new Error([r.enhanced, r.text ?? 'scripted reply'].filter(Boolean).join(' ')), { responseCode: r.code });

export class SmtpPeer {
  readonly host = '127.0.0.1';
  /** Replace at any time; it applies from the next SMTP step on. */
  steps: PeerSteps;
  /** The messages kept ('raw' and 'digest'; empty when keeping only counts). */
  readonly messages: ReceivedMessage[] = [];
  /** The user name of every AUTH it was asked for, accepted or not. */
  readonly authAttempts: string[] = [];
  /** With recordCommands: the name of every command a client sent, in order, across connections ("EHLO", "STARTTLS", …). */
  readonly commands: string[] = [];
  /** With recordWire: the bytes clients wrote, as read from TCP (what a wire tap sees of the plain-text part). */
  readonly wire: Buffer[] = [];
  private server?: SMTPServer;
  private currentPort: number;
  private connections = 0;
  private queued = 0;
  private counts = { kept: 0, bytes: 0, firstAt: undefined as number | undefined, lastAt: undefined as number | undefined, maxOpen: 0 };
  private readonly sockets = new Map<number, { socket: Socket; connection: number }>();

  constructor(private readonly options: SmtpPeerOptions) {
    this.steps = options.steps ?? {};
    this.currentPort = options.port ?? 0;
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

  /** Messages kept, their bytes, the first and last arrival (ms), and the most connections open at once, since the last resetCounts. */
  get stats(): { kept: number; bytes: number; firstAt?: number; lastAt?: number; maxOpenConnections: number } {
    const { kept, bytes, firstAt, lastAt, maxOpen } = this.counts;
    return { kept, bytes, firstAt, lastAt, maxOpenConnections: maxOpen };
  }

  /** Counts start again from zero (the high-water mark from the connections open now). */
  resetCounts(): void {
    this.counts = { kept: 0, bytes: 0, firstAt: undefined, lastAt: undefined, maxOpen: this.sockets.size };
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = this.createServer();
    server.on('error', () => undefined); // a client reset is expected here
    server.server.on('connection', (socket: Socket) => this.track(socket));
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

  /** Stops listening; open connections are dropped at once unless dropOnStop is false. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    if (this.options.dropOnStop ?? true) {
      for (const { socket } of this.sockets.values()) socket.destroy();
      this.sockets.clear();
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Starts again on the same port (a flapping primary). */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private createServer(): SMTPServer {
    const o = this.options;
    const disabled = [...(o.starttls === 'off' ? ['STARTTLS'] : []), ...(o.auth ? [] : ['AUTH'])];
    return new SMTPServer({
      name: o.name,
      ...(o.banner ? { banner: o.banner } : {}),
      // Only to record command names (smtp-server logs each one with its name at debug level).
      logger: o.recordCommands ? commandRecorder(this.commands) : false,
      disableReverseLookup: true,
      hideENHANCEDSTATUSCODES: true, // replies carry their own enhanced codes
      disabledCommands: disabled,
      authOptional: !o.auth,
      allowInsecureAuth: true,
      size: o.size,
      rejectOversized: o.rejectOversized ?? false,
      hideSMTPUTF8: o.smtpUtf8 === false,
      hide8BITMIME: o.eightBitMime === false,
      hidePIPELINING: o.pipelining === false,
      socketTimeout: o.socketTimeoutMs ?? 60_000,
      closeTimeout: o.closeTimeoutMs ?? 200,
      ...(o.maxClients ? { maxClients: o.maxClients } : {}),
      ...(o.xclientFrom ? { useXClient: o.xclientFrom } : {}),
      ...(o.xforwardFrom ? { useXForward: o.xforwardFrom } : {}),
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
        this.act(this.steps.mailFrom?.(address.address, this.info(session, address.address)) ?? 'accept', session, cb);
      },
      onRcptTo: (address, session, cb) => this.act(this.steps.rcpt?.(address.address, this.info(session)) ?? 'accept', session, cb),
      onData: (stream, session, cb) => this.onData(stream, session, cb),
    });
  }

  private onData(stream: SMTPServerDataStream, session: SMTPServerSession, cb: (err?: Error | null, message?: string) => void): void {
    const info = this.info(session);
    const action = this.steps.data?.(info) ?? 'accept';
    const keep = this.options.keep ?? 'raw';
    const chunks: Buffer[] = [];
    const hash = keep === 'count' ? undefined : createHash('sha256');
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      if (action === 'drop-mid-data') return this.drop(session);
      size += chunk.length;
      hash?.update(chunk);
      if (keep === 'raw') chunks.push(chunk);
    });
    stream.on('end', () => {
      if (action === 'drop-mid-data' || action === 'stall') return;
      const kept = action === 'accept' || action === 'drop-after-dot' || action.code < 300;
      const queueId = `Q${++this.queued}`;
      if (kept && !stream.sizeExceeded) this.record(session, info, { queueId, raw: Buffer.concat(chunks), size, sha256: hash?.digest('hex') ?? '', droppedAfterDot: action === 'drop-after-dot' });
      if (action === 'drop-after-dot') return this.drop(session);
      const accepted = this.options.acceptedReply?.({ queueId, kept: this.counts.kept }) ?? `2.0.0 Ok: queued as ${queueId}`;
      const reply = () => (action === 'accept' ? cb(null, accepted) : cb(replyError(action)));
      const delay = this.steps.replyDelayMs?.() ?? 0;
      if (delay > 0) setTimeout(reply, delay);
      else reply();
    });
  }

  private record(session: SMTPServerSession, info: TransactionInfo, data: Pick<ReceivedMessage, 'queueId' | 'raw' | 'size' | 'sha256' | 'droppedAfterDot'>): void {
    const mailFrom = session.envelope.mailFrom;
    const at = new Date();
    const message: ReceivedMessage = {
      ...data,
      from: mailFrom ? mailFrom.address : '',
      to: session.envelope.rcptTo.map((r) => r.address),
      mailParams: { ...(mailFrom ? mailFrom.args || {} : {}) },
      secure: session.secure,
      user: session.user as string | undefined,
      client: { address: session.remoteAddress, name: session.clientHostname, helo: session.hostNameAppearsAs },
      ...(session.xForward && session.xForward.size > 0 ? { xforward: Object.fromEntries(session.xForward) } : {}),
      connection: info.connection,
      transaction: info.transaction,
      at,
    };
    this.counts.kept += 1;
    this.counts.bytes += data.size;
    this.counts.firstAt ??= at.getTime();
    this.counts.lastAt = at.getTime();
    if ((this.options.keep ?? 'raw') !== 'count') this.messages.push(message);
    this.options.onReceived?.(message);
  }

  private track(socket: Socket): void {
    const connection = ++this.connections;
    const port = socket.remotePort ?? 0;
    this.sockets.set(port, { socket, connection });
    this.counts.maxOpen = Math.max(this.counts.maxOpen, this.sockets.size);
    socket.on('close', () => this.sockets.delete(port));
    if (this.options.recordWire) socket.on('data', (chunk: Buffer) => this.wire.push(chunk));
  }

  private onConnect(session: SMTPServerSession, cb: (err?: Error | null) => void): void {
    const action = this.steps.greeting?.({ connection: this.connectionOf(session) }) ?? 'accept';
    if (action === 'stall') return;
    const greet = () => (action === 'accept' ? cb() : cb(replyError(action)));
    const delay = this.steps.greetingDelayMs?.() ?? 0;
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
