// A fresh self-signed certificate for the stand-in's STARTTLS, made in this
// process at start (smtp-server's built-in one expired in February 2025).
// X.509 v3 with an EC P-256 key, signed ECDSA-SHA256, valid from an hour
// ago for `validDays`, naming the host names and IP addresses given in its
// subjectAltName. DER is written by hand: Node can sign but not build
// certificates, and this is the only certificate the project makes at run time.
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

export interface SelfSignedCertificate {
  key: string;
  cert: string;
}

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
};

function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

const sequence = (...items: Buffer[]) => der(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => der(0x31, Buffer.concat(items));
const explicit = (n: number, item: Buffer) => der(0xa0 + n, item);

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a! + b!];
  for (const value of rest) {
    const chunk: number[] = [value & 0x7f];
    for (let v = value >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

function positiveInteger(bytes: Buffer): Buffer {
  return der(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

/** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 §4.1.2.5). */
function time(at: Date): Buffer {
  const iso = at.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDHHMMSSZ
  return at.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(iso.slice(2), 'ascii')) : der(0x18, Buffer.from(iso, 'ascii'));
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head = '', tail = ''] = ip.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const all = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.concat(all.map((g) => Buffer.from(g.padStart(4, '0'), 'hex')));
}

function subjectAltName(names: string[]): Buffer {
  const general = names.map((name) => (isIP(name) ? der(0x87, ipBytes(name)) : der(0x82, Buffer.from(name, 'ascii'))));
  return sequence(oid(OID.subjectAltName), der(0x04, sequence(...general)));
}

function pem(label: string, body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** `names[0]` is the subject's common name; all of them go in subjectAltName. */
export function selfSignedCertificate(names: string[], options: { validDays?: number; now?: Date } = {}): SelfSignedCertificate {
  if (names.length === 0) throw new RangeError('a certificate needs at least one name');
  const now = options.now ?? new Date();
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const name = sequence(set(sequence(oid(OID.commonName), der(0x0c, Buffer.from(names[0]!, 'utf8')))));
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f || 0x01;
  const notBefore = new Date(now.getTime() - 3_600_000); // a clock a little behind still accepts it
  const notAfter = new Date(now.getTime() + (options.validDays ?? 365) * 86_400_000);
  const notCa = sequence(oid(OID.basicConstraints), der(0x01, Buffer.from([0xff])), der(0x04, sequence()));
  const tbs = sequence(
    explicit(0, der(0x02, Buffer.from([2]))), // v3
    positiveInteger(serial),
    algorithm,
    name,
    sequence(time(notBefore), time(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(notCa, subjectAltName(names))),
  );
  const signature = sign('sha256', tbs, privateKey as KeyObject); // DER-encoded ECDSA, as X.509 wants
  const certificate = sequence(tbs, algorithm, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, cert: pem('CERTIFICATE', certificate) };
}
