// The writers of sender-controlled values (header-values.ts), as tables: what
// each address or text becomes in a header we generate.
import { describe, expect, it } from 'vitest';
import { authResultsMailFrom, headerMailbox, headerText } from '../../../../lambdas/core/message/header-values.js';

describe('authResultsMailFrom (RFC 8601 pvalue for smtp.mailfrom)', () => {
  it.each([
    ['a plain address', 'alice@sender.example', 'alice@sender.example'],
    ['SRS (= and + are atext)', 'SRS0=HHH=TT=orig.example=alice+tag@fwd.example', 'SRS0=HHH=TT=orig.example=alice+tag@fwd.example'],
    ['a needlessly quoted dot-atom is written bare', '"bob.smith"@x.example', 'bob.smith@x.example'],
    ['consecutive and trailing dots are quoted', 'a..b.@docomo.example', '"a..b."@docomo.example'],
    ['an apostrophe is quoted (mailauth opens a quote at it)', "o'brien@x.example", `"o'brien"@x.example`],
    ['a quoted local part with a space: left out', '"john smith"@x.example', '@x.example'],
    ['a quoted ;: left out', '"x;dkim=pass"@x.example', '@x.example'],
    ['a quoted comment: left out', '"x(dkim=pass)"@x.example', '@x.example'],
    ['a quoted pair is never written: the local part is left out', '"x\\";dkim=pass"@x.example', '@x.example'],
    ['a quoted backslash: left out', '"a\\\\b"@x.example', '@x.example'],
    ['an empty quoted local part: left out', '""@x.example', '@x.example'],
  ])('%s', (_name, address, written) => {
    expect(authResultsMailFrom(address)).toBe(written);
  });

  it.each([
    ['; outside quotes', 'x;dkim=pass;dmarc=pass;y@attacker.example'],
    ['an address literal (no domain-name)', 'a@[192.0.2.1]'],
    ['a domain with ;', 'a@x.example;dkim=pass'],
    ['a comment', 'a(dkim=pass)@x.example'],
    ['CRLF', 'a@x.example\r\n dkim=pass'],
    ['NUL', 'a\u0000@x.example'],
    ['non-ASCII', 'j\u00fcrgen@x.example'],
    ['no @', 'alice'],
    ['longer than a path (255)', `${'a'.repeat(245)}@x.example`],
  ])('leaves the property out for %s', (_name, address) => {
    expect(authResultsMailFrom(address)).toBeUndefined();
  });

  it('the longest address that fits a path is still written', () => {
    const address = `${'a'.repeat(244)}@x.example`;
    expect(address.length).toBe(254);
    expect(authResultsMailFrom(address)).toBe(address);
  });
});

describe('headerMailbox (To: <…>, Received for <…>)', () => {
  it.each([
    ['alice@sender.example', 'alice@sender.example'],
    ['"john smith"@x.example', '"john smith"@x.example'],
    ['a..b.@x.example', 'a..b.@x.example'],
    ['a@[IPv6:2001:db8::1]', 'a@[IPv6:2001:db8::1]'],
    ['a@x.example>\r\nBcc: victim@y.example', undefined],
    ['a@x.example, victim@y.example', undefined],
    ['"a>"@x.example', undefined],
    [`${'a'.repeat(300)}@x.example`, undefined],
    ['', undefined],
  ])('%j → %j', (address, written) => {
    expect(headerMailbox(address)).toBe(written);
  });
});

describe('headerText (subjects, replies and addresses shown to people)', () => {
  it.each([
    ['plain', 'Quarterly numbers', 'Quarterly numbers'],
    ['CRLF header injection', 'Hi\r\nBcc: victim@y.example', 'Hi Bcc: victim@y.example'],
    ['bare LF and CR', 'a\nb\rc', 'a b c'],
    ['NUL, TAB, DEL and C1', 'a\u0000b\tc\u007fd\u0085e', 'a b c d e'],
    ['Unicode line separators', 'a\u2028b\u2029c', 'a b c'],
    ['runs of spaces', '  a    b  ', 'a b'],
    ['non-ASCII kept (encoded by the caller)', 'Gr\u00fc\u00dfe', 'Gr\u00fc\u00dfe'],
  ])('%s', (_name, text, written) => {
    expect(headerText(text)).toBe(written);
  });

  it('cuts to the limit, never inside a surrogate pair', () => {
    expect(headerText('x'.repeat(500))).toHaveLength(200);
    expect(headerText('abc', 2)).toBe('ab');
    const cut = headerText(`a${'\u{1F600}'.repeat(3)}`, 2);
    expect(cut).toBe('a\u{1F600}');
    expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});
