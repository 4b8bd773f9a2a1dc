// The console on the CLI tests' local backup MX (test/support/cli/local-fixture.ts):
// the target `backup-mx --local` builds, a console on it, and a raw HTTP client
// that can send any Host and Cookie (a browser would not let a test forge them).
// Tests name the console's own paths ('/queue'): `consoleRequest` puts the
// console's random prefix in front and reads the reply back in those paths (an
// HTML body's links, a Location), so a test says what a page links to, not
// where this run's prefix put it; console-prefix.test.ts checks the prefix itself.
import { request } from 'node:http';
import { readCliEnv } from '../../../cli/cli-env.js';
import { startConsole, type RunningConsole } from '../../../cli/console/server.js';
import { cookieName } from '../../../cli/console/security.js';
import { localTarget } from '../../../cli/local-target.js';
import type { Target } from '../../../cli/target.js';
import { startLocalFixture, type LocalFixture } from '../cli/local-fixture.js';

/** The URL `backup-mx console` prints: its random prefix (22 base64url characters) and its 32-byte token. */
export const PRINTED_URL = /http:\/\/127\.0\.0\.1:\d+\/c\/[A-Za-z0-9_-]{22}\/\?token=[A-Za-z0-9_-]{43}(?=\s|$)/;

export interface ConsoleFixture {
  fx: LocalFixture;
  target: Target;
  console: RunningConsole;
  /** The Cookie header a browser sends after following the token URL. */
  cookie: string;
  /** `http://127.0.0.1:<port>/c/<prefix>/queue` for '/queue': where a browser finds a console path. */
  url(path: string): string;
  /** '/queue' for the URL of a console page ('http://…/c/<prefix>/queue?x=1'); throws for one outside the prefix. */
  consolePath(url: string): string;
  /** '/queue?x=1' for a link a page carries ('/c/<prefix>/queue?x=1'): its console path and query; throws for one outside the prefix. */
  consoleLink(href: string): string;
  /** `path` is a console path ('/queue'), or one the console served (a Location, already under the prefix): both reach the page. */
  get(path: string, headers?: Record<string, string>, method?: string): Promise<HttpReply>;
  /** A form POST as a browser sends it from the console's page (cookie, Origin, urlencoded body); `headers` overrides (a value of '' drops the header). */
  post(path: string, form: Record<string, string>, headers?: Record<string, string>): Promise<HttpReply>;
  stop(): Promise<void>;
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body's bytes as sent (a download compared byte for byte). */
  bytes: Buffer;
}

export async function startConsoleFixture(): Promise<ConsoleFixture> {
  const fx = await startLocalFixture();
  const target = await localTarget({ local: true, dataDir: fx.dataDir }, () => {}, readCliEnv({}));
  const running = await startConsole(target);
  const host = `127.0.0.1:${running.port}`;
  const at = (path: string) => underPrefix(running.prefix, path);
  return {
    fx,
    target,
    console: running,
    cookie: `${cookieName(running.port)}=${running.token}`,
    url: (path) => `http://${host}${at(path)}`,
    consolePath: (url) => consolePath(running.prefix, url),
    consoleLink: (href) => `${consolePath(running.prefix, href)}${new URL(href, 'http://127.0.0.1').search}`,
    get: (path, headers = {}, method = 'GET') => consoleRequest(running, path, { host, ...headers }, method),
    post(path, form, headers = {}) {
      const all: Record<string, string> = {
        host,
        cookie: `${cookieName(running.port)}=${running.token}`,
        origin: `http://${host}`,
        'content-type': 'application/x-www-form-urlencoded',
        ...headers,
      };
      for (const [k, v] of Object.entries(all)) if (v === '') delete all[k];
      return consoleRequest(running, path, all, 'POST', new URLSearchParams(form).toString());
    },
    async stop() {
      await running.close();
      target.close();
      await fx.stop();
    },
  };
}

/** A console path ('/queue') under the prefix; a path already under it (a Location the console sent) is left as it is. */
export function underPrefix(prefix: string, path: string): string {
  return path.startsWith(prefix) ? path : `${prefix}${path.replace(/^\/+/, '')}`;
}

/**
 * One request to a running console at a console path; the reply's HTML body
 * and Location are given back in console paths (`bytes` stays as served: a
 * download is compared byte for byte).
 */
export async function consoleRequest(running: Pick<RunningConsole, 'port' | 'prefix'>, path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<HttpReply> {
  const reply = await httpGet(running.port, underPrefix(running.prefix, path), headers, method, body);
  const asPaths = (s: string) => s.split(running.prefix).join('/');
  if (typeof reply.headers.location === 'string') reply.headers.location = asPaths(reply.headers.location);
  if (String(reply.headers['content-type']).startsWith('text/html')) reply.body = asPaths(reply.body);
  return reply;
}

/** The console path of a URL under `prefix`: '/queue' for 'http://…/c/<prefix>/queue?x=1'. */
export function consolePath(prefix: string, url: string): string {
  const { pathname } = new URL(url, 'http://127.0.0.1');
  if (!pathname.startsWith(prefix)) throw new Error(`${url} is not under the console's prefix ${prefix}`);
  return `/${pathname.slice(prefix.length)}`;
}

/** One request to 127.0.0.1:port with exactly these headers (Host included). */
export function httpGet(port: number, path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes.toString('utf8'), bytes });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
