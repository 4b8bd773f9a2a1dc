// What the primary receives: envelope (null sender, SMTPUTF8) and the exact bytes
// (8-bit, long lines, dots, bare LF), as defined in nodemailer-transport.ts.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NodemailerTransportFactory } from '../../../lambdas/adapters/smtp/nodemailer-transport.js';
import { ManualClock } from '../../../lambdas/adapters/fakes/index.js';
import { guardFinalDot } from '../../../lambdas/core/drain/final-dot-guard.js';
import { guardLength } from '../../../lambdas/core/drain/length-guard.js';
import { ScriptedPrimary } from '../../support/smtp/scripted-primary.js';

let primary: ScriptedPrimary;
const factory = new NodemailerTransportFactory({ clientName: 'backup-mx.test', socketTimeoutMs: 2_000 });

/** Sends `bytes` in chunks of `chunkSize` (1 = every byte alone, to cross every boundary). */
async function deliver(bytes: Buffer, opts: { from?: string; to?: string[]; chunkSize?: number; target?: ScriptedPrimary } = {}) {
  const target = opts.target ?? primary;
  const size = opts.chunkSize ?? bytes.length;
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const transport = await factory.open(target.asPrimary('none'));
  const result = await transport.send({ from: opts.from ?? 's@sender.test', to: opts.to ?? ['a@primary.test'] }, Readable.from(chunks));
  await transport.close();
  return result;
}

beforeAll(async () => {
  primary = await ScriptedPrimary.start();
});
afterAll(async () => {
  await primary.stop();
});
beforeEach(() => primary.reset());

describe('length guard', () => {
  it('a body shorter than the object length never gets its final dot: the primary keeps nothing', async () => {
    const bytes = Buffer.from(`Subject: cut\r\n\r\n${'x'.repeat(5000)}\r\n`);
    const transport = await factory.open(primary.asPrimary('none'));
    const result = await transport.send({ from: 's@sender.test', to: ['a@primary.test'] }, guardLength(Readable.from([bytes.subarray(0, 3000)]), bytes.length));
    await transport.close();
    expect(result.connectionFailed).toBe(false);
    expect(result.replies[0]!.reply).toMatchObject({ errorCode: 'ESTREAM' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(primary.messages).toEqual([]);
  });
});

describe('final dot guard', () => {
  it("a body whose end comes after the drain's last moment for a dot never gets it: the primary keeps nothing", async () => {
    const clock = new ManualClock();
    const lastDotAt = clock.now().getTime() + 1_000;
    const bytes = Buffer.from(`Subject: late\r\n\r\n${'x'.repeat(5000)}\r\n`);
    const body = Readable.from(
      (async function* () {
        yield bytes.subarray(0, 3000);
        clock.advance(2); // the rest came after the last moment
        yield bytes.subarray(3000);
      })(),
    );
    const transport = await factory.open(primary.asPrimary('none'));
    const result = await transport.send({ from: 's@sender.test', to: ['a@primary.test'] }, guardFinalDot(body, lastDotAt, clock));
    await transport.close();
    expect(result.connectionFailed).toBe(false);
    expect(result.afterData).toBeFalsy();
    expect(result.replies[0]!.reply).toMatchObject({ errorCode: 'ESTREAM' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(primary.messages).toEqual([]);
  });
});

describe('envelope', () => {
  it('relays a bounce with the null sender MAIL FROM:<>', async () => {
    const result = await deliver(Buffer.from('Subject: Undelivered Mail\r\n\r\nbounce\r\n'), { from: '' });
    expect(result.replies[0].reply.code).toBe(250);
    expect(primary.messages[0].from).toBe('');
  });

  it('sends internationalized addresses with SMTPUTF8 when the primary offers it', async () => {
    const result = await deliver(Buffer.from('Subject: héllo\r\n\r\nx\r\n'), { from: 'zoë@sender.test', to: ['josé@primary.test'] });
    expect(result.replies[0].reply.code).toBe(250);
    expect(primary.messages[0].from).toBe('zoë@sender.test');
    expect(primary.messages[0].to).toEqual(['josé@primary.test']);
    expect(primary.messages[0].mailParams.SMTPUTF8).toBe(true);
  });

  it('to a primary without SMTPUTF8 the address goes out without the parameter: the primary decides', async () => {
    const ascii = await ScriptedPrimary.start({ smtpUtf8: false });
    // smtp-server itself is lenient here; a strict primary refuses the recipient, which is its verdict.
    ascii.script = { rcpt: (to) => (/[^\x00-\x7f]/.test(to) ? { code: 553, enhanced: '5.6.7', text: 'SMTPUTF8 not supported' } : 'accept') };
    try {
      const result = await deliver(Buffer.from('Subject: x\r\n\r\nx\r\n'), { to: ['josé@primary.test', 'ok@primary.test'], target: ascii });
      expect(result.connectionFailed).toBe(false);
      expect(result.replies[0].reply).toEqual({ code: 553, enhanced: '5.6.7', text: 'SMTPUTF8 not supported' });
      expect(result.replies[1].reply.code).toBe(250);
      expect(ascii.messages[0].to).toEqual(['ok@primary.test']);
      expect(ascii.messages[0].mailParams.SMTPUTF8).toBeUndefined();
    } finally {
      await ascii.stop();
    }
  });
});

describe('message bytes', () => {
  it('arrive unchanged: 8-bit bytes, dots at line starts, a lone dot line, across every chunk boundary', async () => {
    const bytes = Buffer.concat([
      Buffer.from('From: Zoë <z@sender.test>\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'),
      Buffer.from('café naïve 日本語\r\n', 'utf8'),
      Buffer.from([0xe9, 0xff, 0x80, 0x0d, 0x0a]), // latin-1 and stray high bytes
      Buffer.from('.leading dot\r\n..two dots\r\n.\r\nafter a lone dot\r\n\r\n.\r\n'),
    ]);
    const result = await deliver(bytes, { chunkSize: 1 });
    expect(result.replies[0].reply.code).toBe(250);
    expect(primary.messages[0].raw.equals(bytes)).toBe(true);
    expect(primary.messages[0].mailParams.BODY).toBe('8BITMIME');
  });

  it('8-bit bytes go out unchanged (no 7-bit conversion) to a primary without 8BITMIME, with no BODY=', async () => {
    const plain = await ScriptedPrimary.start({ eightBitMime: false });
    try {
      const bytes = Buffer.from('Subject: x\r\n\r\ncafé\r\n', 'utf8');
      await deliver(bytes, { target: plain });
      expect(plain.messages[0].raw.equals(bytes)).toBe(true);
      expect(plain.messages[0].mailParams.BODY).toBeUndefined();
    } finally {
      await plain.stop();
    }
  });

  it('lines longer than 998 bytes are neither folded nor cut', async () => {
    const long = 'x'.repeat(5000);
    const bytes = Buffer.from(`Subject: long\r\n\r\n${long}\r\n.${long}\r\n`);
    await deliver(bytes, { chunkSize: 777 });
    expect(primary.messages[0].raw.equals(bytes)).toBe(true);
  });

  it('a CRLF.CRLF inside the content is dot-stuffed, not taken as the end of data', async () => {
    const bytes = Buffer.from('Subject: smuggle\r\n\r\nbefore\r\n.\r\nMAIL FROM:<evil@x.test>\r\nafter\r\n');
    const result = await deliver(bytes);
    expect(result.replies[0].reply.code).toBe(250);
    expect(primary.messages).toHaveLength(1);
    expect(primary.messages[0].raw.equals(bytes)).toBe(true);
  });

  it('bare LF and bare CR become CRLF (RFC 5321 §2.3.8); a bare-LF dot line is still stuffed', async () => {
    const result = await deliver(Buffer.from('Subject: lf\n\nline one\nline two\r.\nend\n'), { chunkSize: 3 });
    expect(result.replies[0].reply.code).toBe(250);
    expect(primary.messages[0].raw.toString('latin1')).toBe('Subject: lf\r\n\r\nline one\r\nline two\r\n.\r\nend\r\n');
  });

  it('a message not ending in CRLF gets one before the final dot', async () => {
    await deliver(Buffer.from('Subject: x\r\n\r\nno newline at end'));
    expect(primary.messages[0].raw.toString()).toBe('Subject: x\r\n\r\nno newline at end\r\n');
  });
});
