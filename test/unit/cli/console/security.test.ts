// The console's gatekeeping pieces on their own: token, cookie, Host, bind.
import { describe, expect, it } from 'vitest';
import { assertLoopbackBind, cookieName, cookieValue, csrfMatches, csrfToken, hostAllowed, newToken, originAllowed, tokenCookie, tokenMatches } from '../../../../cli/console/security.js';

describe('console security', () => {
  it('a token is 32 random bytes in base64url, new each time', () => {
    const a = newToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(newToken()).not.toBe(a);
  });

  it('matches only the same token, whatever the length of the guess', () => {
    const t = newToken();
    expect(tokenMatches(t, t)).toBe(true);
    for (const guess of [undefined, '', t.slice(0, -1), `${t}x`, t.toUpperCase() === t ? t.toLowerCase() : t.toUpperCase()]) {
      expect(tokenMatches(t, guess)).toBe(false);
    }
  });

  it('reads its own cookie by its port-named key among others', () => {
    expect(cookieName(8765)).toBe('backupmx_console_8765');
    expect(tokenCookie(8765, 'abc', '/c/p/')).toBe('backupmx_console_8765=abc; HttpOnly; SameSite=Strict; Path=/c/p/');
    expect(cookieValue('a=1; backupmx_console_8765=abc; b=2', 'backupmx_console_8765')).toBe('abc');
    expect(cookieValue('xbackupmx_console_8765=abc', 'backupmx_console_8765')).toBeUndefined();
    expect(cookieValue('backupmx_console_876=abc', 'backupmx_console_8765')).toBeUndefined();
    expect(cookieValue(undefined, 'backupmx_console_8765')).toBeUndefined();
  });

  it('allows only the console\'s own authorities as Host', () => {
    expect(hostAllowed('127.0.0.1:8765', 8765)).toBe(true);
    expect(hostAllowed('localhost:8765', 8765)).toBe(true);
    for (const host of [undefined, '', '127.0.0.1', 'localhost', '127.0.0.1:8766', '[::1]:8765', 'evil.example:8765', '127.0.0.1:8765.evil.example', 'x.localhost:8765']) {
      expect(hostAllowed(host, 8765), String(host)).toBe(false);
    }
  });

  it('binds 127.0.0.1 and nothing else', () => {
    expect(() => assertLoopbackBind('127.0.0.1')).not.toThrow();
    for (const host of ['0.0.0.0', '::', '::1', 'localhost', '127.0.0.2']) expect(() => assertLoopbackBind(host), host).toThrow(/127\.0\.0\.1 only/);
  });

  it('a CSRF token is bound to the console token and to one action path', () => {
    const t = newToken();
    const hold = csrfToken(t, '/action/hold');
    expect(hold).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hold).not.toBe(t);
    expect(csrfToken(t, '/action/hold')).toBe(hold);
    expect(csrfMatches(t, '/action/hold', hold)).toBe(true);
    expect(csrfMatches(t, '/action/delete', hold)).toBe(false);
    expect(csrfMatches(newToken(), '/action/hold', hold)).toBe(false);
    for (const guess of [undefined, '', t, hold.slice(0, -1)]) expect(csrfMatches(t, '/action/hold', guess)).toBe(false);
  });

  it('an action comes from the console itself: its Origin, or a null / absent Origin with Sec-Fetch-Site same-origin', () => {
    expect(originAllowed('http://127.0.0.1:8765', undefined, 8765)).toBe(true);
    expect(originAllowed('http://localhost:8765', 'cross-site', 8765)).toBe(true);
    expect(originAllowed('null', 'same-origin', 8765)).toBe(true);
    expect(originAllowed(undefined, 'same-origin', 8765)).toBe(true);
    for (const [origin, site] of [
      ['http://evil.example', 'same-origin'],
      ['http://127.0.0.1:8766', undefined],
      ['https://127.0.0.1:8765', undefined],
      ['http://127.0.0.1:8765.evil.example', undefined],
      ['null', undefined],
      ['null', 'cross-site'],
      ['null', 'same-site'],
      [undefined, undefined],
      [undefined, 'none'],
    ] as const) {
      expect(originAllowed(origin, site, 8765), `${origin} ${site}`).toBe(false);
    }
  });
});
