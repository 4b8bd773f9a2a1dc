// ARC sealing end to end through the drain: a DKIM-signed message, stored with
// SES's headers on top, is delivered with an ARC set above our Received header;
// mailauth verifies the chain and the sender's DKIM signature on what the
// primary got, and the original bytes are a suffix of it.
import { generateKeyPairSync } from 'node:crypto';
import { authenticate } from 'mailauth';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { describe, expect, it } from 'vitest';
import { MailauthArcSealer } from '../../../lambdas/adapters/arc/mailauth-arc-sealer.js';
import { ArcKeyError, parseArcKey, type ArcKeySource } from '../../../lambdas/adapters/arc/arc-key.js';
import { sesAuthResults } from '../../../lambdas/core/message/arc-prefix.js';
import type { EngineDeps } from '../../../lambdas/core/drain/drain-deps.js';
import { harness } from '../../support/world/engine-harness.js';

type ArcOutcome = { status: { result: string }; i: number; signature?: { signingDomain?: string } };
const arcOf = (result: { arc: unknown }) => result.arc as ArcOutcome;

function rsaKey() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    dns: `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`,
  };
}
const arcKey = rsaKey();
const senderKey = rsaKey();
const DNS: Record<string, string> = {
  'arc2026._domainkey.backup.example': arcKey.dns,
  's1._domainkey.sender.example': senderKey.dns,
};
const resolver = async (name: string, type: string) => {
  if (type === 'TXT' && DNS[name]) return [[DNS[name]!]];
  throw Object.assign(new Error(`no ${type} for ${name}`), { code: 'ENOTFOUND' });
};
const keys: ArcKeySource = { privateKey: async (name) => (name === 'arc/key' ? arcKey.pem : Promise.reject(new ArcKeyError(name, 'not found'))) };
const ARC = { domain: 'backup.example', selector: 'arc2026', keySecretName: 'arc/key' };

/** A message as the sender's MTA signed it, then as SES stored it (its headers on top). */
async function signedAndStored() {
  const body = ['From: Alice <alice@sender.example>', 'To: bob@example.com', 'Subject: signed', 'Message-ID: <m1@sender.example>', 'Date: Mon, 05 Jan 2026 09:58:00 +0000', '', 'Body line one.', '.leading dot', 'Caf\u00e9', ''].join('\r\n');
  const signed = await dkimSign(Buffer.from(body), { canonicalization: 'relaxed/relaxed', signatureData: [{ signingDomain: 'sender.example', selector: 's1', privateKey: senderKey.pem }] } as never);
  const original = Buffer.concat([Buffer.from(signed.signatures), Buffer.from(body)]);
  const ses = [
    'Return-Path: <alice@sender.example>',
    'Received: from mail.sender.example (mail.sender.example [198.51.100.7]) by inbound-smtp.eu-west-1.amazonaws.com with SMTP id abc for bob@example.com; Mon, 05 Jan 2026 09:58:11 +0000 (UTC)',
    'X-SES-Spam-Verdict: PASS',
    'X-SES-Virus-Verdict: PASS',
    'Authentication-Results: amazonses.com; spf=pass smtp.mailfrom=alice@sender.example; dkim=pass header.i=@sender.example; dmarc=pass header.from=sender.example;',
    '',
  ].join('\r\n');
  return { original, stored: Buffer.concat([Buffer.from(ses), original]) };
}

describe('ARC sealing on delivery', () => {
  it('prepends AAR, AMS and AS above our Received; the chain and the sender DKIM verify; the bytes follow unchanged', async () => {
    const h = harness({}, { arc: ARC });
    (h.deps as EngineDeps).sealer = new MailauthArcSealer({ keys, resolver });
    const { original, stored } = await signedAndStored();
    await h.arrive({ raw: stored, sender: 'alice@sender.example' });
    await h.runDrain();

    const [sent] = h.transports.transactions;
    expect(sent).toBeDefined();
    const delivered = sent!.bytes;
    const text = delivered.toString('latin1');
    expect(delivered.subarray(delivered.length - stored.length).equals(stored)).toBe(true);
    const prefix = text.slice(0, text.length - stored.length);
    expect(prefix).toMatch(/^ARC-Seal: i=1; a=rsa-sha256;[^]*\r\nARC-Message-Signature: i=1;[^]*\r\nARC-Authentication-Results: i=1; amazonses\.com;[^]*\r\nReceived: from inbound-smtp\.eu-west-1\.amazonaws\.com/);
    expect(prefix).toContain('cv=none');
    expect(prefix).toContain('d=backup.example');
    expect(prefix).toContain('spf=pass smtp.mailfrom=alice@sender.example');
    expect(original.toString('latin1')).toMatch(/^DKIM-Signature: /);
    expect(sent!.size).toBe(delivered.length);

    const result = await authenticate(delivered, { resolver, ip: '203.0.113.25', helo: 'backup-mx.example', sender: 'alice@sender.example', mta: 'primary.example', disableBimi: true } as never);
    expect(arcOf(result).status.result).toBe('pass');
    const dkim = result.dkim.results.map((r: { signingDomain: string; status: { result: string } }) => [r.signingDomain, r.status.result]);
    expect(dkim).toContainEqual(['sender.example', 'pass']);
    // what was sealed is what went out: unsealing the original alone must not pass as ours
    const tampered = Buffer.from(text.replace('Body line one.', 'Body line 1.'), 'latin1');
    const broken = await authenticate(tampered, { resolver, ip: '203.0.113.25', helo: 'x', sender: 'alice@sender.example', mta: 'primary.example', disableBimi: true } as never);
    expect(arcOf(broken).status.result).toBe('fail');
  });

  it('a second hop: a message sealed once gets i=2 with cv=pass, and the chain still verifies', async () => {
    const { stored } = await signedAndStored();
    const first = await new MailauthArcSealer({ keys, resolver }).seal(
      (await import('node:stream')).Readable.from([stored]),
      { ...ARC, authResults: 'amazonses.com; spf=pass' },
    );
    const onceSealed = Buffer.concat([Buffer.from(first), stored]);
    const second = await new MailauthArcSealer({ keys, resolver }).seal((await import('node:stream')).Readable.from([onceSealed]), { ...ARC, authResults: 'amazonses.com; dkim=pass' });
    expect(second).toMatch(/^ARC-Seal: i=2; a=rsa-sha256; [^]*cv=pass/);
    const result = await authenticate(Buffer.concat([Buffer.from(second), onceSealed]), { resolver, ip: '203.0.113.25', helo: 'x', sender: 'alice@sender.example', mta: 'p', disableBimi: true } as never);
    expect(arcOf(result).status.result).toBe('pass');
    expect(arcOf(result).i).toBe(2);
  });

  it('a missing key delivers the message unsealed (never held back) and logs an error', async () => {
    const h = harness({}, { arc: { ...ARC, keySecretName: 'arc/missing' } });
    (h.deps as EngineDeps).sealer = new MailauthArcSealer({ keys, resolver });
    const { stored } = await signedAndStored();
    await h.arrive({ raw: stored });
    const summary = await h.runDrain();
    expect(summary.delivered).toBe(1);
    const text = h.transports.transactions[0]!.bytes.toString('latin1');
    expect(text).toMatch(/^Received: /);
    expect(text).not.toContain('ARC-Seal');
    expect(h.log.lines.filter((l) => l.level === 'error').map((l) => l.message)).toContain('ARC sealing failed; delivering without the seal');
  });

  it('routes without arc are not read twice and get no ARC fields', async () => {
    const h = harness();
    let seals = 0;
    (h.deps as EngineDeps).sealer = { seal: async () => { seals += 1; return ''; } };
    await h.arrive();
    await h.runDrain();
    expect(seals).toBe(0);
    expect(h.transports.transactions[0]!.bytes.toString('latin1')).not.toContain('ARC-');
  });
});

describe('ARC inputs', () => {
  it('builds ARC-Authentication-Results from the SES notification verdicts, not from message headers', () => {
    const message = { verdicts: { spf: 'PASS', dkim: 'FAIL', dmarc: 'GRAY', spam: 'PASS', virus: 'PASS' }, sender: 'a@s.example' } as never;
    expect(sesAuthResults(message)).toBe('amazonses.com;\r\n spf=pass smtp.mailfrom=a@s.example;\r\n dkim=fail;\r\n dmarc=none');
    const bounce = { verdicts: { spf: 'PROCESSING_FAILED', dkim: 'DISABLED', dmarc: 'PASS', spam: 'PASS', virus: 'PASS' }, sender: '' } as never;
    expect(sesAuthResults(bounce)).toBe('amazonses.com;\r\n spf=temperror;\r\n dmarc=pass');
  });

  it('takes a PEM or {"privateKey": PEM} secret, and names the secret (never the key) when unusable', () => {
    expect(parseArcKey('s', arcKey.pem)).toBe(arcKey.pem.trim());
    expect(parseArcKey('s', JSON.stringify({ privateKey: arcKey.pem }))).toBe(arcKey.pem);
    expect(() => parseArcKey('arc/x', 'not a key')).toThrow('ARC key secret arc/x: holds no readable PEM private key');
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => parseArcKey('arc/ec', ec)).toThrow('holds a ec key; ARC signs with RSA or Ed25519');
  });
});
