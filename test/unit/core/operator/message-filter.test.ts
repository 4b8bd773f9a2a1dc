// The bulk filter: each flag's value checked with an error naming the flag and
// the fix, and each criterion matched (ANDed) against envelope facts and verdicts.
import { describe, expect, it } from 'vitest';
import {
  describeFilter,
  FilterError,
  isFiltering,
  matchesEnvelope,
  matchesVerdicts,
  parseAge,
  parseMessageFilter,
  type EnvelopeFacts,
} from '../../../../lambdas/core/operator/message-filter.js';

const now = new Date('2026-12-01T12:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
const facts = (over: Partial<EnvelopeFacts> = {}): EnvelopeFacts => ({
  sender: 'Alice@Sender.Example',
  recipients: ['bob@example.com', 'carol@example.com'],
  receivedAt: hoursAgo(3),
  subject: 'Invoice 42 for December',
  ...over,
});
const refusal = (input: Parameters<typeof parseMessageFilter>[0]) => {
  try {
    parseMessageFilter(input);
  } catch (error) {
    expect(error).toBeInstanceOf(FilterError);
    return { flag: (error as FilterError).flag, message: (error as Error).message };
  }
  throw new Error('expected a refusal');
};

describe('parseMessageFilter: refusals name the flag and what it takes', () => {
  it.each([
    [{ sender: 'alice' }, '--sender', 'expected an envelope address such as alice@example.org (or <> for the null sender of bounces); got "alice"'],
    [{ sender: 'a b@example.org' }, '--sender', 'got "a b@example.org"'],
    [{ recipient: '<>' }, '--recipient', 'expected an envelope address such as alice@example.org; got "<>"'],
    [{ senderDomain: 'exa mple.org' }, '--sender-domain', 'expected a domain such as example.org; got "exa mple.org"'],
    [{ senderDomain: 'alice@example.org' }, '--sender-domain', 'expected a domain such as example.org'],
    [{ olderThan: '2 hours' }, '--older-than', 'expected an age such as 90m, 2h, 3d or 1w; got "2 hours"'],
    [{ olderThan: '0h' }, '--older-than', 'expected an age such as 90m, 2h, 3d or 1w; got "0h"'],
    [{ olderThan: '-2h' }, '--older-than', 'got "-2h"'],
    [{ verdict: ['spam'] }, '--verdict', 'expected <spam|virus|spf|dkim|dmarc>=<value>, e.g. spam=FAIL or spf=FAIL,SOFTFAIL; got "spam"'],
    [{ verdict: ['arc=FAIL'] }, '--verdict', 'unknown verdict "arc": one of spam, virus, spf, dkim, dmarc'],
    [{ verdict: ['spam=BAD'] }, '--verdict', 'unknown value "BAD" for spam: one of PASS, FAIL, GRAY'],
    [{ verdict: ['spam=FAIL', 'dkim=PASS,maybe'] }, '--verdict', 'unknown value "MAYBE" for dkim'],
    [{ subject: '  ' }, '--subject', 'expected some text to look for in the subject'],
  ])('%j → %s', (input, flag, text) => {
    const refused = refusal(input);
    expect(refused.flag).toBe(flag);
    expect(refused.message).toContain(`${flag}: `);
    expect(refused.message).toContain(text);
  });

  it('normalises what it accepts: bracketed and mixed-case addresses, @domain, verdict values in any case', () => {
    const filter = parseMessageFilter({
      sender: '<Alice@Sender.Example>',
      recipient: 'Bob@Example.com',
      senderDomain: '@Sender.Example.',
      olderThan: '90m',
      verdict: ['SPAM=fail', 'spf=FAIL|softfail'],
      subject: 'INVOICE',
    });
    expect(filter).toEqual({
      sender: 'alice@sender.example',
      recipient: 'bob@example.com',
      senderDomain: 'sender.example',
      olderThanSeconds: 5400,
      verdicts: [
        { name: 'spam', values: ['FAIL'] },
        { name: 'spf', values: ['FAIL', 'SOFTFAIL'] },
      ],
      subject: 'invoice',
    });
    expect(describeFilter(filter)).toBe(
      'sender <alice@sender.example>, sender domain sender.example, recipient <bob@example.com>, older than 90m, spam=FAIL, spf=FAIL|SOFTFAIL, subject containing "invoice"',
    );
  });

  it('<> is the null sender; no flag is no filter', () => {
    expect(parseMessageFilter({ sender: '<>' }).sender).toBe('');
    expect(isFiltering(parseMessageFilter({}))).toBe(false);
    expect(isFiltering(parseMessageFilter({ verdict: [] }))).toBe(false);
    expect(isFiltering(parseMessageFilter({ sender: '<>' }))).toBe(true);
    expect(isFiltering(parseMessageFilter({ olderThan: '1d' }))).toBe(true);
  });

  it('ages: s, m, h, d, w and decimals', () => {
    expect(parseAge('--older-than', '30s')).toBe(30);
    expect(parseAge('--older-than', '2h')).toBe(7200);
    expect(parseAge('--older-than', '1.5d')).toBe(129_600);
    expect(parseAge('--older-than', '1w')).toBe(604_800);
  });
});

describe('matchesEnvelope: every criterion must hold', () => {
  const match = (input: Parameters<typeof parseMessageFilter>[0], over: Partial<EnvelopeFacts> = {}) => matchesEnvelope(parseMessageFilter(input), facts(over), now);

  it('sender: the whole address, without regard to case; <> only the null sender', () => {
    expect(match({ sender: 'alice@sender.example' })).toBe(true);
    expect(match({ sender: 'alice@sender.example.org' })).toBe(false);
    expect(match({ sender: '<>' })).toBe(false);
    expect(match({ sender: '<>' }, { sender: '' })).toBe(true);
  });

  it('sender domain: that domain exactly, never a subdomain or the null sender', () => {
    expect(match({ senderDomain: 'sender.example' })).toBe(true);
    expect(match({ senderDomain: 'example' })).toBe(false);
    expect(match({ senderDomain: 'sender.example' }, { sender: 'a@mx.sender.example' })).toBe(false);
    expect(match({ senderDomain: 'sender.example' }, { sender: '' })).toBe(false);
  });

  it('recipient: any one of the envelope recipients', () => {
    expect(match({ recipient: 'CAROL@example.com' })).toBe(true);
    expect(match({ recipient: 'dave@example.com' })).toBe(false);
  });

  it('older than: at least that old; a message of unknown age is never selected by age', () => {
    expect(match({ olderThan: '3h' })).toBe(true);
    expect(match({ olderThan: '179m' })).toBe(true);
    expect(match({ olderThan: '181m' })).toBe(false);
    const { receivedAt: _r, ...noAge } = facts();
    expect(matchesEnvelope(parseMessageFilter({ olderThan: '1m' }), noAge, now)).toBe(false);
  });

  it('subject: a case-insensitive substring; no subject matches no text', () => {
    expect(match({ subject: 'invoice 42' })).toBe(true);
    expect(match({ subject: 'receipt' })).toBe(false);
    expect(match({ subject: 'invoice' }, { subject: undefined })).toBe(false);
  });

  it('criteria combine with AND', () => {
    expect(match({ senderDomain: 'sender.example', olderThan: '2h', subject: 'invoice' })).toBe(true);
    expect(match({ senderDomain: 'sender.example', olderThan: '4h', subject: 'invoice' })).toBe(false);
    expect(match({ senderDomain: 'other.example', olderThan: '2h', subject: 'invoice' })).toBe(false);
  });
});

describe('matchesVerdicts', () => {
  it('each criterion holds when the verdict is one of its values; a missing verdict matches nothing', () => {
    const filter = parseMessageFilter({ verdict: ['spam=FAIL,GRAY', 'dkim=FAIL'] });
    expect(matchesVerdicts(filter, { spam: 'GRAY', dkim: 'FAIL' })).toBe(true);
    expect(matchesVerdicts(filter, { spam: 'fail', dkim: 'fail' })).toBe(true);
    expect(matchesVerdicts(filter, { spam: 'PASS', dkim: 'FAIL' })).toBe(false);
    expect(matchesVerdicts(filter, { spam: 'FAIL' })).toBe(false);
    expect(matchesVerdicts(parseMessageFilter({}), {})).toBe(true);
  });
});
