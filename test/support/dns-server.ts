// A tiny DNS responder on 127.0.0.1 (UDP) for tests that look up MX records:
// answers MX queries from a table, NXDOMAIN for names it does not know, and an
// empty answer for other record types. Enough for node:dns's resolver.
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

export interface MxAnswer {
  priority: number;
  exchange: string;
}

const TYPE_MX = 15;

export class TestDnsServer {
  /** MX answers by lower-case domain; change at any time. */
  readonly mx = new Map<string, MxAnswer[]>();
  readonly queries: string[] = [];

  private constructor(private readonly socket: Socket) {}

  static async start(records: Record<string, MxAnswer[]> = {}): Promise<TestDnsServer> {
    const socket = createSocket('udp4');
    const server = new TestDnsServer(socket);
    for (const [domain, answers] of Object.entries(records)) server.mx.set(domain.toLowerCase(), answers);
    socket.on('message', (query, peer) => {
      const reply = server.answer(query);
      if (reply) socket.send(reply, peer.port, peer.address);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return server;
  }

  /** "127.0.0.1:<port>", as --dns-server takes it. */
  get address(): string {
    return `127.0.0.1:${(this.socket.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private answer(query: Buffer): Buffer | undefined {
    if (query.length < 12) return undefined;
    const { name, end } = readName(query, 12);
    const type = query.readUInt16BE(end);
    const question = query.subarray(12, end + 4);
    this.queries.push(`${name} ${type}`);
    const known = this.mx.get(name.toLowerCase());
    const answers = type === TYPE_MX && known ? known : [];
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0); // id
    header.writeUInt16BE(0x8180 | (known ? 0 : 3), 2); // response, recursion available; NXDOMAIN when unknown
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const records = answers.map((a) => {
      const exchange = encodeName(a.exchange);
      const record = Buffer.alloc(12 + 2);
      record.writeUInt16BE(0xc00c, 0); // name: pointer to the question
      record.writeUInt16BE(TYPE_MX, 2);
      record.writeUInt16BE(1, 4); // IN
      record.writeUInt32BE(60, 6); // TTL
      record.writeUInt16BE(2 + exchange.length, 10);
      record.writeUInt16BE(a.priority, 12);
      return Buffer.concat([record, exchange]);
    });
    return Buffer.concat([header, question, ...records]);
  }
}

function readName(buffer: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  while (buffer[at]! > 0) {
    const length = buffer[at]!;
    labels.push(buffer.subarray(at + 1, at + 1 + length).toString('ascii'));
    at += 1 + length;
  }
  return { name: labels.join('.'), end: at + 1 };
}

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.').map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'ascii')]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}
