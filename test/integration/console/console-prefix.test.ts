// The console's random path prefix (cli/console/paths.ts): the token cookie's
// Path, so a browser sends the cookie there only, not to every server on
// 127.0.0.1. Read here as served (no fixture rewriting): outside the prefix a
// plain 404 that says nothing of a console, token or not; inside, every link,
// form, stylesheet and redirect stays under it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsole } from '../../../cli/console/server.js';
import { csrfToken } from '../../../cli/console/security.js';
import { httpGet, startConsoleFixture, type ConsoleFixture, type HttpReply } from '../../support/console/console-fixture.js';

let c: ConsoleFixture;
beforeAll(async () => {
  c = await startConsoleFixture();
});
afterAll(async () => {
  await c?.stop();
});

const host = () => `127.0.0.1:${c.console.port}`;
/** As served: the path exactly as given, the Host and Cookie a browser on the console would send. */
const served = (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<HttpReply> => httpGet(c.console.port, path, { host: host(), cookie: c.cookie, ...headers }, method);
/** Every URL a page makes the browser ask for or go to. */
const urlsIn = (body: string) => [...body.matchAll(/\b(?:href|action|src)="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));

describe('the prefix', () => {
  it('is /c/ and 22 base64url characters (128 random bits), new for each console', async () => {
    expect(c.console.prefix).toMatch(/^\/c\/[A-Za-z0-9_-]{22}\/$/);
    const other = await startConsole(c.target);
    try {
      expect(other.prefix).toMatch(/^\/c\/[A-Za-z0-9_-]{22}\/$/);
      expect(other.prefix).not.toBe(c.console.prefix);
    } finally {
      await other.close();
    }
    await expect(startConsole(c.target, { prefix: '/c/short/' })).rejects.toThrow(/22 or more base64url/);
  });

  it('outside it, with the token in the URL or the cookie, every path is the same plain 404: no cookie, no console header, no page', async () => {
    await c.fx.queue({ recipients: ['bob@example.com'], subject: 'Secret merger' });
    const p = c.console.prefix;
    const flipped = `${p.slice(0, 3)}${p[3] === 'A' ? 'B' : 'A'}${p.slice(4)}`;
    const paths = ['/', '/queue', '/console.css', '/message/raw?id=x', '/action/hold', '/c/', p.slice(0, -1), `${p.slice(0, -2)}/`, flipped, `${p}x`.replace(/^\/c\//, '/d/'), `/?token=${c.console.token}`, `/queue?token=${c.console.token}`, '/c/../', '/open/x'];
    const replies = await Promise.all(paths.map((path) => served(path)));
    replies.push(await served('/action/hold', { origin: `http://${host()}`, 'content-type': 'application/x-www-form-urlencoded' }, 'POST'));
    for (const [i, r] of replies.entries()) {
      const what = paths[i] ?? 'POST /action/hold';
      expect(r.status, what).toBe(404);
      expect(r.body, what).toBe('not found\n');
      expect(r.headers['set-cookie'], what).toBeUndefined();
      expect(r.headers['content-security-policy'], what).toBeUndefined();
      expect(Object.keys(r.headers).filter((h) => !['date', 'connection', 'keep-alive'].includes(h)).sort(), what).toEqual(['content-length', 'content-type']);
    }
  });

  it('the token URL only signs in under the prefix, and its 303 stays there whatever the path', async () => {
    for (const [path, location] of [
      ['', ''],
      ['queue?route=main&', 'queue?route=main'],
      ['/evil.example/?', 'evil.example/'],
      ['.//evil.example/?', 'evil.example/'],
    ] as const) {
      const reply = await httpGet(c.console.port, `${c.console.prefix}${path}${path.endsWith('?') || path.endsWith('&') ? '' : '?'}token=${c.console.token}`, { host: host() });
      expect(reply.status, path).toBe(303);
      expect(reply.headers.location, path).toBe(`${c.console.prefix}${location}`);
      expect(String(reply.headers['set-cookie']), path).toContain(`; Path=${c.console.prefix}`);
    }
  });

  it('every link, form and stylesheet of every page, and an action\'s 303, carries the prefix', async () => {
    const id = await c.fx.queue({ recipients: ['bob@example.com'], sender: 'ceo@acme.example', subject: 'Contract' });
    const pages = ['', 'queue', 'queue?sender-domain=acme.example', `message?id=${id}&route=main`, 'confirm/hold?route=main', `confirm/delete?id=${id}&route=main`, 'queue/mbox?older-than=soon'];
    let seen = 0;
    for (const page of pages) {
      const reply = await served(`${c.console.prefix}${page}`);
      expect(reply.status, page).toBeLessThan(500);
      for (const url of urlsIn(reply.body)) {
        expect(url, `${page}: ${url}`).toMatch(new RegExp(`^${c.console.prefix}`));
        seen += 1;
      }
    }
    expect(seen).toBeGreaterThan(20);
    // The form's CSRF token is bound to the action, as before: the prefix is where, not what.
    const confirm = (await served(`${c.console.prefix}confirm/hold?route=main`)).body;
    expect(confirm).toContain(`action="${c.console.prefix}action/hold"`);
    expect(confirm).toContain(`name="csrf" value="${csrfToken(c.console.token, '/action/hold')}"`);
    const done = await httpGet(c.console.port, `${c.console.prefix}action/hold`, { host: host(), cookie: c.cookie, origin: `http://${host()}`, 'content-type': 'application/x-www-form-urlencoded' }, 'POST', new URLSearchParams({ route: 'main', reason: '', csrf: csrfToken(c.console.token, '/action/hold') }).toString());
    expect(done.status, done.body).toBe(303);
    expect(done.headers.location).toMatch(new RegExp(`^${c.console.prefix}\\?result=`));
  });
});
