// forward: a held message to another address, from the notice sender, with a
// note and the original attached byte for byte; one valid address only; what
// SES cannot send (over 40 MB, a line over 998 bytes) refused before sending.
import { simpleParser } from 'mailparser';
import { describe, expect, it, vi } from 'vitest';
import { ForwardRefusedError, SES_MAX_LINE_OCTETS, SES_MAX_MESSAGE_BYTES } from '../../../../lambdas/core/operator/forward-message.js';
import { operatorWorld } from '../../../support/world/operator-world.js';

const subjectOf = (id: string) => ({ id, route: 'main', objectKey: `mail/main/${id}`, sender: 'ceo@acme.example', subject: 'Contract from ACME' });

/** A stored original that is not plain UTF-8 text: Latin-1 bytes, CRLF and a bare LF, no final line end. */
const ORIGINAL = Buffer.concat([
  Buffer.from('From: ceo@acme.example\r\nTo: bob@example.com\r\nSubject: Contract\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nCaf', 'latin1'),
  Buffer.from([0xe9, 0x0d, 0x0a]),
  Buffer.from('second line\nthird line', 'latin1'),
]);

describe('forward', () => {
  it('sends a new message from MAILER-DAEMON@hostname with the original attached unchanged as message/rfc822, and logs it', async () => {
    const w = operatorWorld();
    w.h.store.put('mail/main/m1', ORIGINAL);
    const done = await w.operator.forward.forward(subjectOf('m1'), ' boss@elsewhere.example ');
    expect(done).toMatchObject({ to: 'boss@elsewhere.example', originalBytes: ORIGINAL.length });
    expect(w.forwards).toHaveLength(1);
    const { raw, envelope } = w.forwards[0]!;
    expect(envelope).toEqual({ from: 'MAILER-DAEMON@backup-mx.test', to: ['boss@elsewhere.example'] });
    expect(raw.includes(ORIGINAL)).toBe(true);
    const parsed = await simpleParser(raw);
    expect(parsed.from?.value[0]?.address).toBe('MAILER-DAEMON@backup-mx.test');
    expect(parsed.subject).toBe('Fwd: Contract from ACME');
    expect(parsed.text).toContain('m1');
    const attached = parsed.attachments.filter((a) => a.contentType === 'message/rfc822');
    expect(attached).toHaveLength(1);
    expect(Buffer.compare(attached[0]!.content, ORIGINAL)).toBe(0);
    expect(raw.toString('latin1')).toContain('Content-Transfer-Encoding: 8bit\r\n\r\nFrom: ceo@acme.example');
    expect(w.h.log.lines).toContainEqual(expect.objectContaining({ level: 'info', message: 'message forwarded by an operator', fields: expect.objectContaining({ messageId: 'm1', to: 'boss@elsewhere.example' }) }));
  });

  it('a subject with CR/LF cannot add a header to the forward', async () => {
    const w = operatorWorld();
    w.h.store.put('mail/main/m2', ORIGINAL);
    await w.operator.forward.forward({ ...subjectOf('m2'), subject: 'Hi\r\nBcc: spy@evil.example' }, 'boss@elsewhere.example');
    const head = w.forwards[0]!.raw.toString('latin1').split('\r\n\r\n')[0]!;
    expect(head).not.toMatch(/^Bcc:/im);
    expect((await simpleParser(w.forwards[0]!.raw)).bcc).toBeUndefined();
  });

  it('refuses anything but one valid address, and sends nothing', async () => {
    const w = operatorWorld();
    w.h.store.put('mail/main/m3', ORIGINAL);
    for (const to of ['', '   ', 'not-an-address', 'a@b.example, c@d.example', 'a@b.example c@d.example', 'Boss <boss@elsewhere.example>', '<boss@elsewhere.example>', 'boss@elsewhere.example\r\nBcc: spy@evil.example', 'boss@']) {
      await expect(w.operator.forward.forward(subjectOf('m3'), to), JSON.stringify(to)).rejects.toThrow(ForwardRefusedError);
    }
    await expect(w.operator.forward.forward(subjectOf('m3'), 'a@b.example, c@d.example')).rejects.toThrow(/^to: one address only/);
    expect(w.forwards).toEqual([]);
  });

  it('SES sends at most 40 MB (v2 API / SMTP, after encoding; the v1 SendRawEmail only 10 MB)', () => {
    expect(SES_MAX_MESSAGE_BYTES).toBe(40_000_000);
    expect(SES_MAX_LINE_OCTETS).toBe(998);
  });

  it('a stored message over the limit is refused without being read; one the note pushes over is refused before sending', async () => {
    const w = operatorWorld();
    const line = Buffer.from(`${'a'.repeat(98)}\r\n`);
    const big = Buffer.alloc(SES_MAX_MESSAGE_BYTES + 100);
    for (let i = 0; i + line.length <= big.length; i += line.length) line.copy(big, i);
    big.fill(0x61, big.length - (big.length % line.length));
    w.h.store.put('mail/main/big', big);
    const open = vi.spyOn(w.h.store, 'open');
    await expect(w.operator.forward.forward(subjectOf('big'), 'boss@elsewhere.example')).rejects.toThrow(/too large to forward: 40000100 bytes .* at most 40000000/);
    expect(open).not.toHaveBeenCalled();
    // Exactly at the limit: the note and headers around it make the forward too big.
    w.h.store.put('mail/main/edge', big.subarray(0, SES_MAX_MESSAGE_BYTES));
    await expect(w.operator.forward.forward(subjectOf('edge'), 'boss@elsewhere.example')).rejects.toThrow(/too large to forward/);
    expect(w.forwards).toEqual([]);
  });

  it('a line over 998 bytes (which SES refuses) and a raw message that is gone are refused, naming why', async () => {
    const w = operatorWorld();
    w.h.store.put('mail/main/long', `Subject: x\r\n\r\n${'b'.repeat(SES_MAX_LINE_OCTETS + 1)}\r\n`);
    await expect(w.operator.forward.forward(subjectOf('long'), 'boss@elsewhere.example')).rejects.toThrow(/a line of 999 bytes; SES accepts at most 998/);
    w.h.store.put('mail/main/ok', `Subject: x\r\n\r\n${'b'.repeat(SES_MAX_LINE_OCTETS)}\r\n`);
    await w.operator.forward.forward(subjectOf('ok'), 'boss@elsewhere.example');
    await expect(w.operator.forward.forward(subjectOf('gone'), 'boss@elsewhere.example')).rejects.toThrow(/no longer stored/);
    expect(w.forwards).toHaveLength(1);
  });
});
