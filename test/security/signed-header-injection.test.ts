// Claim (docs/security.md, "a sender crafting the envelope"): nothing a sender
// writes is trusted into a header we sign or generate. The MAIL FROM is the
// one sender-chosen value in the ARC-Authentication-Results we seal; hostile
// senders must not add, hide or change any method or result there, as read by
// mailauth's own parser (what a primary running mailauth, e.g. WildDuck or
// ZoneMTA, trusts) and by an RFC 8601 reading. Checked at three layers: the
// builder alone (the parser bypassed), the whole drain with a real ARC seal
// verified by mailauth, and the parser keeping what it refuses as a dead
// letter. DSNs and delay warnings get the same hostile values.
import { generateKeyPairSync } from 'node:crypto';
import { authenticate } from 'mailauth';
import parseDkimHeaders from 'mailauth/lib/parse-dkim-headers.js';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { MailauthArcSealer } from '../../lambdas/adapters/arc/mailauth-arc-sealer.js';
import type { ArcKeySource } from '../../lambdas/adapters/arc/arc-key.js';
import { sesAuthResults } from '../../lambdas/core/message/arc-prefix.js';
import { buildDelayNotice } from '../../lambdas/core/outcome/delay-dsn.js';
import { buildDsn } from '../../lambdas/core/outcome/dsn.js';
import type { EngineDeps } from '../../lambdas/core/drain/drain-deps.js';
import type { InboundMessage, Verdicts } from '../../lambdas/core/model.js';
import { receivedHeader } from '../../lambdas/core/message/received-header.js';
import { harness } from '../support/world/engine-harness.js';

/** Senders crafted to inject into Authentication-Results (and any header); `true` when the parser's grammar refuses them. */
const HOSTILE_SENDERS: [string, string, boolean][] = [
  ['the issue: ; then methods', 'x;dkim=pass;dmarc=pass;y@attacker.example', true],
  ['; in the domain', 'x@attacker.example;dkim=pass;dmarc=pass', true],
  ['a space then a method', 'x@attacker.example dkim=pass', true],
  ['a method as the local part', 'dkim=pass@attacker.example', false],
  ['an instance tag', 'x;i=2@attacker.example', true],
  ['a quoted ;', '"x;dkim=pass;dmarc=pass"@attacker.example', false],
  ['a quoted instance tag', '"i=2; dkim=pass"@attacker.example', false],
  ['an escaped quote (mailauth ends the quote there)', '"x\\";dkim=pass;dmarc=pass;\\""@attacker.example', false],
  ['a quote ended early by a backslash pair', '"x\\\\";dkim=pass;"@attacker.example', true],
  ['a bare backslash', 'x\\;dkim=pass@attacker.example', true],
  ['an apostrophe (mailauth opens a quote)', "o'brien@attacker.example", false],
  ['apostrophes around a method', "x'=dkim=pass='@attacker.example", false],
  ['an apostrophe, unbalanced, before ;', "x';dkim=pass@attacker.example", true],
  ['a comment', 'x(;dkim=pass)@attacker.example', true],
  ['an unclosed comment', 'x(@attacker.example', true],
  ['a comment in quotes', '"x(dkim=pass)"@attacker.example', false],
  ['a comment closed inside quotes', '"x) dkim=pass; ("@attacker.example', false],
  ['dots around a method', 'a...dkim=pass.@attacker.example', false],
  ['= and + (SRS)', 'SRS0=ab=cd=attacker.example=x+y@fwd.example', false],
  ['CRLF and a new header', 'x@attacker.example\r\nARC-Authentication-Results: i=1; amazonses.com; dkim=pass', true],
  ['CRLF and a folded method', 'x@attacker.example\r\n dkim=pass;', true],
  ['bare LF', 'x@attacker.example\n dkim=pass;', true],
  ['bare CR', 'x@attacker.example\r dkim=pass;', true],
  ['NUL', 'x\u0000;dkim=pass@attacker.example', true],
  ['unicode', 'j\u00fcrgen;dkim=pass@b\u00fccher.example', true],
  ['unicode line separator', 'x\u2028dkim=pass@attacker.example', true],
  ['an address literal with ;', 'x@[1.2.3.4];dkim=pass', true],
  ['a general address literal', 'x@[tag:a;dkim=pass]', true],
  ['very long', `${'a'.repeat(5000)};dkim=pass@attacker.example`, true],
  ['very long, plain', `${'a'.repeat(5000)}@attacker.example`, false],
];

const VERDICT_SETS: [string, Verdicts][] = [
  ['all FAIL', { spam: 'PASS', virus: 'PASS', spf: 'FAIL', dkim: 'FAIL', dmarc: 'FAIL' }],
  ['spf PASS, the rest FAIL', { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'FAIL', dmarc: 'FAIL' }],
  ['dkim not run, dmarc GRAY', { spam: 'PASS', virus: 'PASS', spf: 'GRAY', dkim: 'DISABLED', dmarc: 'GRAY' }],
];

const RESULT: Record<string, string | undefined> = { PASS: 'pass', FAIL: 'fail', GRAY: 'none', PROCESSING_FAILED: 'temperror', DISABLED: undefined };

function message(sender: string, verdicts: Verdicts): InboundMessage {
  return { messageId: 'm1', receivedAt: new Date('2026-01-05T09:58:11Z'), sender, recipients: ['bob@example.com'], bucketName: 'b', objectKey: 'inbound/main/m1', verdicts, subject: 'hi' };
}

type Parsed = Record<string, unknown> & { value?: string; i?: { value: number }; spf?: { value: string }; dkim?: { value: string }[]; dmarc?: { value: string } };

/** The methods and results mailauth's parser reads in one ARC-Authentication-Results field. */
function methodsByMailauth(field: string): { authservId: string | undefined; instance: number | undefined; methods: Record<string, string[]>; keys: string[] } {
  const { parsed } = parseDkimHeaders(field) as { parsed: Parsed };
  const keys = Object.keys(parsed).filter((k) => !['header', 'value', 'i'].includes(k));
  const methods: Record<string, string[]> = {};
  for (const key of keys) {
    const entry = parsed[key] as { value: string } | { value: string }[];
    methods[key] = (Array.isArray(entry) ? entry : [entry]).map((e) => e.value);
  }
  return { authservId: parsed.value, instance: parsed.i?.value, methods, keys };
}

/**
 * The resinfo statements an RFC 8601 reader finds: the payload split at `;`
 * outside quoted-strings (with quoted pairs) and nested comments, each
 * statement's first `method=result`. Throws on an unbalanced quote or comment.
 */
function methodsByRfc8601(payload: string): string[] {
  const statements: string[] = [''];
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < payload.length; i++) {
    const c = payload[i]!;
    if ((quoted || depth > 0) && c === '\\') {
      i += 1;
      continue;
    }
    if (quoted) quoted = c !== '"';
    else if (depth > 0) depth += c === '(' ? 1 : c === ')' ? -1 : 0;
    else if (c === '"') quoted = true;
    else if (c === '(') depth = 1;
    else if (c === ';') statements.push('');
    else statements[statements.length - 1] += c;
  }
  if (quoted || depth > 0) throw new Error(`unbalanced quote or comment in ${JSON.stringify(payload)}`);
  return statements.slice(1).map((s) => s.trim().split(/\s+/)[0]!);
}

/** What the verdicts alone say, in the order we write them. */
function expected(verdicts: Verdicts): { methods: Record<string, string[]>; statements: string[] } {
  const methods: Record<string, string[]> = {};
  const statements: string[] = [];
  for (const method of ['spf', 'dkim', 'dmarc'] as const) {
    const result = RESULT[verdicts[method]];
    if (!result) continue;
    methods[method] = [result];
    statements.push(`${method}=${result}`);
  }
  return { methods, statements };
}

describe('ARC-Authentication-Results with a hostile MAIL FROM (the builder, parser bypassed)', () => {
  const cases = HOSTILE_SENDERS.flatMap(([name, sender]) => VERDICT_SETS.map(([verdictName, verdicts]) => [`${name}; ${verdictName}`, sender, verdicts] as const));

  it.each(cases)('%s: exactly the SES verdicts, read by mailauth and by RFC 8601', (_name, sender, verdicts) => {
    const value = sesAuthResults(message(sender, verdicts));
    const field = `ARC-Authentication-Results: i=1; ${value}`;
    // one field: every line break is our own fold, and no control character is left
    expect(value.replace(/\r\n /g, ' ')).not.toMatch(/[\x00-\x1f\x7f]/);
    for (const line of field.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThan(998);

    const want = expected(verdicts);
    const read = methodsByMailauth(field);
    expect(read.authservId).toBe('amazonses.com');
    expect(read.instance).toBe(1);
    expect(read.methods).toEqual(want.methods);
    expect(methodsByRfc8601(value.replace(/^amazonses\.com/, ''))).toEqual(want.statements);

    // the MAIL FROM, when written at all, reads back as one value naming the sender's domain
    const spf = (parseDkimHeaders(field) as { parsed: { spf?: { smtp?: { mailfrom?: string } } } }).parsed.spf;
    const mailFrom = spf?.smtp?.mailfrom;
    if (mailFrom !== undefined) expect(sender.endsWith(mailFrom.slice(mailFrom.lastIndexOf('@')))).toBe(true);
  });

  it('an ordinary sender is still named, so the primary can check alignment', () => {
    const value = sesAuthResults(message('alice@sender.example', VERDICT_SETS[1]![1]));
    expect(value).toContain('spf=pass smtp.mailfrom=alice@sender.example');
    expect(methodsByMailauth(`ARC-Authentication-Results: i=1; ${value}`).methods).toEqual({ spf: ['pass'], dkim: ['fail'], dmarc: ['fail'] });
  });
});

// --- the whole drain: the real parser, the real sealer, mailauth verifying what the primary got

function rsaKey() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    dns: `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`,
  };
}
const arcKey = rsaKey();
const resolver = async (name: string, type: string) => {
  if (type === 'TXT' && name === 'arc2026._domainkey.backup.example') return [[arcKey.dns]];
  throw Object.assign(new Error(`no ${type} for ${name}`), { code: 'ENOTFOUND' });
};
const keys: ArcKeySource = { privateKey: async () => arcKey.pem };
const ARC = { domain: 'backup.example', selector: 'arc2026', keySecretName: 'arc/key' };
const ALL_FAIL = VERDICT_SETS[0]![1];

function stored(sender: string): Buffer {
  return Buffer.from(
    [
      `Return-Path: <${sender}>`,
      'Received: from mail.attacker.example by inbound-smtp.eu-west-1.amazonaws.com with SMTP id abc for bob@example.com; Mon, 05 Jan 2026 09:58:11 +0000 (UTC)',
      'Authentication-Results: amazonses.com; spf=fail; dkim=fail; dmarc=fail',
      'From: Mallory <mallory@attacker.example>',
      'To: bob@example.com',
      'Subject: trust me',
      'Message-ID: <m@attacker.example>',
      '',
      'body',
      '',
    ].join('\r\n'),
  );
}

describe('what the primary gets: sealed by the drain, verified by mailauth', () => {
  it.each(HOSTILE_SENDERS.filter(([, , refused]) => !refused))('%s: the seal verifies and says exactly spf=fail, dkim=fail, dmarc=fail', async (_name, sender) => {
    const h = harness({}, { arc: ARC });
    (h.deps as EngineDeps).sealer = new MailauthArcSealer({ keys, resolver });
    await h.arrive({ raw: stored(sender), sender, verdicts: ALL_FAIL });
    expect((await h.runDrain()).delivered).toBe(1);
    const [sent] = h.transports.transactions;
    expect(sent!.envelope.from).toBe(sender);

    const result = (await authenticate(sent!.bytes, { resolver, ip: '203.0.113.25', helo: 'backup-mx.example', sender, mta: 'primary.example', disableBimi: true } as never)) as unknown as {
      arc: { status: { result: string }; authenticationResults?: Record<string, { result: string } | { result: string }[] | string> };
    };
    expect(result.arc.status.result).toBe('pass');
    // what mailauth hands the primary from our seal: the authserv-id (as `mta`) and one result per method
    const sealed = result.arc.authenticationResults!;
    expect(Object.keys(sealed).sort()).toEqual(['dkim', 'dmarc', 'mta', 'spf']);
    expect(sealed.mta).toBe('amazonses.com');
    expect((sealed.spf as { result: string }).result).toBe('fail');
    expect((sealed.dkim as { result: string }[]).map((d) => d.result)).toEqual(['fail']);
    expect((sealed.dmarc as { result: string }).result).toBe('fail');
    const aar = sent!.bytes.toString('latin1').match(/^ARC-Authentication-Results:[^]*?\r\n(?![ \t])/m)![0];
    expect(methodsByRfc8601(aar.replace(/^ARC-Authentication-Results: i=1; amazonses\.com/, ''))).toEqual(['spf=fail', 'dkim=fail', 'dmarc=fail']);
  });
});

describe('a sender the grammar refuses is kept and alarmed, never delivered nor dropped', () => {
  it.each(HOSTILE_SENDERS.filter(([, , refused]) => refused))('%s', async (_name, sender) => {
    const h = harness({}, { arc: ARC });
    (h.deps as EngineDeps).sealer = new MailauthArcSealer({ keys, resolver });
    const { body } = await h.arrive({ raw: stored('x@attacker.example'), sender, verdicts: ALL_FAIL });
    await h.runDrain();
    expect(h.transports.transactions).toEqual([]);
    const [letter] = await h.deadLetters.list();
    expect(letter).toMatchObject({ reason: 'malformed-notification', notification: body });
    expect(letter!.detail).toMatch(/mail\.source: not an RFC 5321 mail address/);
    expect(h.metrics.total('DeadLettered')).toBe(1);
    expect(h.bounces.sent).toEqual([]);
  });
});

// --- DSNs, delay warnings and our Received header, with the parser bypassed

const HOSTILE_TEXT = 'Hi\r\nBcc: victim@y.example\r\n\r\n--=_dsn_x\u0000\u2028';
const HOSTILE_RECIPIENT = 'bob@example.com>\r\nBcc: victim@y.example';

describe('DSNs and delay warnings carry hostile values only as inert text', () => {
  const hostileMessage = { ...message('x@attacker.example\r\nBcc: victim@y.example', ALL_FAIL), subject: HOSTILE_TEXT, recipients: [HOSTILE_RECIPIENT] };
  const reply = { code: 550, enhanced: '5.1.1', text: `<${HOSTILE_RECIPIENT}>: unknown\r\nX-Injected: 1\u0000` };
  const notices: [string, () => string][] = [
    ['DSN', () => buildDsn({ hostname: 'mx2.example.com', message: hostileMessage, recipients: [{ recipient: HOSTILE_RECIPIENT, status: '5.1.1', reply }], remoteMta: 'mail.example.com', reason: 'bounced', now: new Date('2026-01-05T10:10:00Z') }).raw],
    ['delay warning', () => buildDelayNotice({ hostname: 'mx2.example.com', message: hostileMessage, recipients: [{ recipient: HOSTILE_RECIPIENT, status: '4.4.1', reply: { ...reply, code: 451 } }], remoteMta: 'mail.example.com', retryUntil: new Date('2026-01-10T10:00:00Z'), now: new Date('2026-01-06T10:00:00Z') }).raw],
  ];

  it.each(notices)('%s: no injected header, no NUL, no bare line break, no long line', async (_name, build) => {
    const raw = build();
    expect(raw).not.toMatch(/[\x00\u2028]/);
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of raw.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThan(998);
    expect(raw).not.toMatch(/^(Bcc|X-Injected):/m);
    const parsed = await simpleParser(raw);
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.headers.has('x-injected')).toBe(false);
    expect(raw).toMatch(/^To: undisclosed-recipients:;\r$/m);
    const to = parsed.to as { value: { address?: string; group?: { address: string }[] }[] };
    expect(to.value.flatMap((v) => [v.address, ...(v.group ?? []).map((g) => g.address)]).filter(Boolean)).toEqual([]);
    expect(parsed.subject).toMatch(/^(Undelivered|Delayed) mail.*: Hi Bcc: victim@y\.example --=_dsn_x$/);
    expect(parsed.attachments.map((a) => a.contentType)).toEqual(['text/rfc822-headers'].slice(0, parsed.attachments.length));
  });

  it('a DSN to an ordinary sender still names them in To', async () => {
    const raw = buildDsn({ hostname: 'mx2.example.com', message: message('"john smith"@sender.example', ALL_FAIL), recipients: [{ recipient: 'bob@example.com', status: '5.1.1' }], reason: 'bounced', now: new Date() }).raw;
    expect(raw).toContain('To: <"john smith"@sender.example>');
  });

  it('our Received header names a hostile recipient nowhere, and an odd but valid one only inside <…>', () => {
    const at = new Date('2026-01-05T10:00:00Z');
    const hostile = receivedHeader({ fromHost: 'inbound-smtp.eu-west-1.amazonaws.com', byHost: 'mx2.example.com', messageId: 'm1', recipients: [HOSTILE_RECIPIENT], at });
    expect(hostile).not.toContain('victim');
    expect(hostile).not.toContain('for <');
    const quoted = receivedHeader({ fromHost: 'h', byHost: 'b', messageId: 'm1', recipients: ['"a;b c"@example.com'], at });
    expect(quoted).toContain('\tfor <"a;b c"@example.com>;\r\n');
  });
});
