// The demo's "your mail server": a small SMTP server on 127.0.0.1 that takes
// every message and remembers its envelope and bytes, and that can be down
// (not listening) and brought up on the same port.
import { createServer, type AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface DeliveredMessage {
  /** Envelope sender; '' for MAIL FROM:<>. */
  from: string;
  to: string[];
  raw: Buffer;
  at: Date;
}

/** A port that was free a moment ago (listen on 0, read it, close). */
export async function reservePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export class DemoPrimary {
  readonly host = '127.0.0.1';
  readonly messages: DeliveredMessage[] = [];
  private server?: SMTPServer;

  constructor(readonly port: number) {}

  get up(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = new SMTPServer({
      name: 'primary.demo',
      banner: 'demo primary',
      logger: false,
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      disableReverseLookup: true,
      closeTimeout: 500,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          this.messages.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            raw: Buffer.concat(chunks),
            at: new Date(),
          });
          callback(null, `2.0.0 Ok: kept as #${this.messages.length}`);
        });
      },
    });
    server.on('error', () => undefined); // a client reset is not the demo's problem
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
