// The console's HTTP surface on a local backup MX: who gets in (token, cookie,
// Host), what every response carries, that sender text is shown as text, and
// that the queue page's filters are the bulk commands'.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../../cli/cli-io.js';
import { consoleCommand } from '../../../cli/commands/console.js';
import { startConsole } from '../../../cli/console/server.js';
import { ConsoleBindError, CONTENT_SECURITY_POLICY } from '../../../cli/console/security.js';
import { httpGet, PRINTED_URL, startConsoleFixture, type ConsoleFixture } from '../../support/console/console-fixture.js';

const HOSTILE_SCRIPT = '<script>alert(1)</script>';
const HOSTILE_IMG = '<img src=x onerror=alert(2)>';

let c: ConsoleFixture;
beforeAll(async () => {
  c = await startConsoleFixture();
});
afterAll(async () => {
  await c?.stop();
});

describe('who gets in', () => {
  beforeEach(async () => {
    await c.fx.reset();
  });

  it('no token: 403 and none of the data', async () => {
    await c.fx.queue({ recipients: ['bob@example.com'], subject: 'Secret merger' });
    for (const path of ['/', '/queue', '/console.css', '/nowhere']) {
      const reply = await c.get(path);
      expect(reply.status, path).toBe(403);
      expect(reply.body).not.toMatch(/Secret merger|example\.com|main/);
    }
  });

  it('a wrong token, in the URL or in the cookie, is 403', async () => {
    const wrong = `${c.console.token.slice(0, -1)}${c.console.token.endsWith('A') ? 'B' : 'A'}`;
    expect((await c.get(`/?token=${wrong}`)).status).toBe(403);
    expect((await c.get('/?token=')).status).toBe(403);
    expect((await c.get('/', { cookie: c.cookie.replace(c.console.token, wrong) })).status).toBe(403);
    // Another console's cookie (same token, other port) does not open this one.
    expect((await c.get('/', { cookie: `backupmx_console_1=${c.console.token}` })).status).toBe(403);
  });

  it('the token in the URL sets an HttpOnly SameSite=Strict cookie and redirects to the URL without it', async () => {
    const reply = await c.get(`/queue?route=main&token=${c.console.token}`);
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toBe('/queue?route=main');
    const setCookie = reply.headers['set-cookie'];
    expect(setCookie).toEqual([`backupmx_console_${c.console.port}=${c.console.token}; HttpOnly; SameSite=Strict; Path=${c.console.prefix}`]);
    const page = await c.get('/queue?route=main', { cookie: c.cookie });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('the redirect stays on the console: a path normalising to //host is not an off-site Location', async () => {
    for (const path of ['/.//evil.example/', '/./\\/evil.example/', '//evil.example/']) {
      const reply = await c.get(`${path}?token=${c.console.token}`);
      expect(reply.status, path).toBe(303);
      expect(reply.headers.location, path).toMatch(/^\/(?![\/\\])/);
    }
  });

  it('a Host other than 127.0.0.1:<port> or localhost:<port> is 403 even with the token (DNS rebinding)', async () => {
    const port = c.console.port;
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `0.0.0.0:${port}`, `localhost.evil.example:${port}`]) {
      const reply = await httpGet(port, c.console.prefix, { host, cookie: c.cookie });
      expect(reply.status, host).toBe(403);
      expect(reply.body).not.toContain('<table');
    }
    expect((await httpGet(port, c.console.prefix, { host: `localhost:${port}`, cookie: c.cookie })).status).toBe(200);
    expect((await httpGet(port, c.console.prefix, { host: `LOCALHOST:${port}`, cookie: c.cookie })).status).toBe(200);
  });

  it('a POST to a page (not an action) is 405: only GET and HEAD', async () => {
    const reply = await c.get('/', { cookie: c.cookie }, 'POST');
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('GET, HEAD');
  });

  it('a bind other than 127.0.0.1 is refused, naming the fix', async () => {
    for (const host of ['0.0.0.0', '::', '::1', 'localhost', '192.168.1.10']) {
      await expect(startConsole(c.target, { host })).rejects.toThrow(ConsoleBindError);
    }
    await expect(startConsole(c.target, { host: '0.0.0.0' })).rejects.toThrow(/127\.0\.0\.1 only.*SSH tunnel/);
  });

  it('every response carries the security headers: pages, stylesheet, redirect, refusals, not found', async () => {
    const replies = [
      await c.get('/', { cookie: c.cookie }),
      await c.get('/queue', { cookie: c.cookie }),
      await c.get('/console.css', { cookie: c.cookie }),
      await c.get(`/?token=${c.console.token}`),
      await c.get('/'),
      await c.get('/', { host: 'evil.example' }),
      await c.get('/nowhere', { cookie: c.cookie }),
      await c.get('/', { cookie: c.cookie }, 'POST'),
      await c.get('/queue?older-than=soon', { cookie: c.cookie }),
    ];
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 303, 403, 403, 404, 405, 400]);
    for (const r of replies) {
      expect(r.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
      expect(r.headers['cache-control']).toBe('no-store');
      expect(r.headers['x-frame-options']).toBe('DENY');
    }
    expect(CONTENT_SECURITY_POLICY).toMatch(/^default-src 'none';/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src|unsafe-inline|https?:/);
  });
});

describe('the pages', () => {
  beforeEach(async () => {
    await c.fx.reset();
  });

  it('the overview shows each route with its queue, dead letters and hold', async () => {
    await c.fx.queue({ recipients: ['bob@example.com'] });
    await c.fx.queue({ recipients: ['carol@example.com'] });
    await c.fx.cli('hold', 'main', '--reason', 'kernel <b>upgrade</b>');
    const page = (await c.get('/', { cookie: c.cookie })).body;
    const main = /<tr data-route="main">([\s\S]*?)<\/tr>/.exec(page)![1]!;
    const other = /<tr data-route="other">([\s\S]*?)<\/tr>/.exec(page)![1]!;
    const cells = (row: string) => [...row.matchAll(/<td class="num[^"]*">([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(cells(main)[0]).toMatch(/^\d+$/);
    expect(Number(cells(main)[0])).toBeGreaterThanOrEqual(2);
    expect(cells(other)).toEqual(['0', '-', '0']);
    expect(main).toContain('<span class="state held">held</span>');
    // The hold's reason is the operator's text, but still escaped.
    expect(main).toContain('kernel &lt;b&gt;upgrade&lt;/b&gt;');
    expect(other).toContain('<td>no</td>');
  });

  it('a hostile subject and sender are rendered as text: the escaped HTML, never the markup', async () => {
    await c.fx.queue({ recipients: ['bob@example.com'], subject: HOSTILE_SCRIPT });
    await c.fx.queue({ recipients: ['bob@example.com'], subject: HOSTILE_IMG, sender: '"x"@evil.example' });
    const page = (await c.get('/queue', { cookie: c.cookie })).body;
    expect(page).toContain('<td class="subject">&lt;script&gt;alert(1)&lt;/script&gt;</td>');
    expect(page).toContain('<td class="subject">&lt;img src=x onerror=alert(2)&gt;</td>');
    expect(page).toContain('&quot;x&quot;@evil.example');
    expect(page).not.toContain(HOSTILE_SCRIPT);
    expect(page).not.toContain('<img');
    expect(page).not.toMatch(/<script/i);
  });

  it('a query value is escaped back into the form, not reflected as markup', async () => {
    const reply = await c.get(`/queue?subject=${encodeURIComponent('"><script>alert(3)</script>')}`, { cookie: c.cookie });
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('value="&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;"');
    expect(reply.body).not.toMatch(/<script/i);
  });

  it('the filters narrow the queue page as they narrow mailq (same filter, same selection)', async () => {
    const old = await c.fx.queue({ recipients: ['bob@example.com'], sender: 'ceo@acme.example', subject: 'Contract', receivedAt: new Date(Date.now() - 3 * 3_600_000) });
    const fresh = await c.fx.queue({ recipients: ['bob@example.com'], sender: 'news@list.example', subject: 'Weekly digest' });
    const net = await c.fx.queue({ recipients: ['dan@example.net'], sender: 'ceo@acme.example', subject: 'Contract copy' });
    const ids = async (query: string) => {
      const reply = await c.get(`/queue${query}`, { cookie: c.cookie });
      expect(reply.status, query).toBe(200);
      return new Set([...reply.body.matchAll(/<tr data-id="([^"]+)">/g)].map((m) => m[1]));
    };
    const mine = (set: Set<string | undefined>) => [old, fresh, net].filter((id) => set.has(id));
    expect(mine(await ids(''))).toEqual([old, fresh, net]);
    expect(mine(await ids('?sender-domain=acme.example'))).toEqual([old, net]);
    expect(mine(await ids('?sender-domain=acme.example&route=main'))).toEqual([old]);
    expect(mine(await ids('?older-than=2h'))).toEqual([old]);
    expect(mine(await ids('?subject=DIGEST'))).toEqual([fresh]);
    expect(mine(await ids('?recipient=dan%40example.net'))).toEqual([net]);
    expect(mine(await ids('?state=dead'))).toEqual([]);
    // Empty boxes (what the form sends) are no criterion.
    expect(mine(await ids('?sender=&sender-domain=&subject=&route=&state=all'))).toEqual([old, fresh, net]);
    // The same filter through mailq lists the same messages.
    const { io } = await c.fx.cli('mailq', '--sender-domain', 'acme.example', '--json');
    expect((JSON.parse(io.stdout.join('\n')) as { id: string }[]).map((m) => m.id).filter((id) => [old, fresh, net].includes(id))).toEqual([old, net]);
  });

  it('a bad filter value is a 400 naming the field, with the form kept', async () => {
    for (const [query, field] of [
      ['?older-than=soon', 'older-than'],
      ['?sender=not-an-address', 'sender'],
      ['?verdict=spam%3DMAYBE', 'verdict'],
      ['?state=lost', 'state'],
      ['?route=nowhere', 'no route named'],
    ] as const) {
      const reply = await c.get(`/queue${query}`, { cookie: c.cookie });
      expect(reply.status, query).toBe(400);
      expect(reply.body).toMatch(new RegExp(`<p class="error" role="alert">${field}`));
      expect(reply.body).toContain('<form class="filters"');
    }
  });
});

describe('backup-mx console', () => {
  it('prints the URL with a 32-byte token, serves it, and stops cleanly when told', async () => {
    const io = new RecordingIo();
    const stop = new AbortController();
    const done = consoleCommand(c.target, {}, io, stop.signal);
    await expect.poll(() => io.stdout.join('\n'), { timeout: 5_000 }).toMatch(PRINTED_URL);
    const url = new URL(/http:\/\/\S+/.exec(io.stdout.join('\n'))![0]);
    expect(Buffer.from(url.searchParams.get('token')!, 'base64url')).toHaveLength(32);
    expect(url.searchParams.get('token')).not.toBe(c.console.token);
    const port = Number(url.port);
    expect((await httpGet(port, url.pathname + url.search, { host: url.host })).status).toBe(303);
    stop.abort();
    expect(await done).toBe(0);
    await expect(httpGet(port, '/', { host: url.host })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('--port is checked: a usage error naming the flag', async () => {
    const { code, io } = await c.fx.cli('console', '--port', '70000');
    expect(code).toBe(2);
    expect(io.stderr.join('\n')).toContain('--port: expected a port number 0-65535');
  });

  it('a port in use fails at once (exit 1, EADDRINUSE), not later', async () => {
    const { code, io } = await c.fx.cli('console', '--port', String(c.console.port));
    expect(code).toBe(1);
    expect(io.stderr.join('\n')).toContain('EADDRINUSE');
    expect(io.stdout.join('\n')).not.toContain('token=');
  });
});
