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
const TYPE_A = 1;
const TYPE_TXT = 16;

export class TestDnsServer {
  /** MX answers by lower-case domain; change at any time. */
  readonly mx = new Map<string, MxAnswer[]>();
  /** TXT answers (one string each) and A answers (IPv4), by lower-case name. */
  readonly txt = new Map<string, string[]>();
  readonly a = new Map<string, string[]>();
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
    const lower = name.toLowerCase();
    const known = this.mx.get(lower);
    const answers = type === TYPE_MX && known ? known : [];
    const txt = type === TYPE_TXT ? (this.txt.get(lower) ?? []) : [];
    const a = type === TYPE_A ? (this.a.get(lower) ?? []) : [];
    const exists = known !== undefined || this.txt.has(lower) || this.a.has(lower);
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0); // id
    header.writeUInt16BE(0x8180 | (exists ? 0 : 3), 2); // response, recursion available; NXDOMAIN when unknown
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length + txt.length + a.length, 6);
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
    const other = [
      ...txt.map((text) => rdata(TYPE_TXT, Buffer.concat([Buffer.from([Buffer.byteLength(text)]), Buffer.from(text, 'utf8')]))),
      ...a.map((ip) => rdata(TYPE_A, Buffer.from(ip.split('.').map(Number)))),
    ];
    return Buffer.concat([header, question, ...records, ...other]);
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

/** One answer record for the question's name (TTL 60). */
function rdata(type: number, data: Buffer): Buffer {
  const record = Buffer.alloc(12);
  record.writeUInt16BE(0xc00c, 0);
  record.writeUInt16BE(type, 2);
  record.writeUInt16BE(1, 4);
  record.writeUInt32BE(60, 6);
  record.writeUInt16BE(data.length, 10);
  return Buffer.concat([record, data]);
}
