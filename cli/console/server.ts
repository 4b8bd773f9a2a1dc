// The console's HTTP surface (node:http, no framework): everything lives under
// a random path prefix (paths.ts; elsewhere a plain 404), and every request
// passes the Host check and the token check before anything is read, then a
// page is rendered from the operator's reads. Nothing is written to disk; the token
// lives only in this process and in the browser's session cookie.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Target } from '../target.js';
import { ACTIONS, runAction } from './pages/actions.js';
import { confirmPage, resultLocation } from './pages/confirm.js';
import { overviewPage } from './pages/overview.js';
import { messagePage } from './pages/message.js';
import { rawDownload } from './pages/message-raw.js';
import { messageMbox, queueMbox, type StreamedDownload } from './pages/mbox-download.js';
import { queuePage } from './pages/queue.js';
import { OneTimeCodes } from './open-codes.js';
import { assertPrefix, consoleHref, insidePrefix, newPrefix, underPrefix } from './paths.js';
import { assertLoopbackBind, CONSOLE_BIND_HOST, cookieName, cookieValue, csrfMatches, csrfToken, hostAllowed, newToken, originAllowed, SECURITY_HEADERS, tokenCookie, tokenMatches } from './security.js';

const STYLESHEET = new URL('./console.css', import.meta.url);

export interface ConsoleOptions {
  /** 0 (default): a port the system picks. */
  port?: number;
  /** Only 127.0.0.1 is accepted (security.ts); here so a caller's mistake is refused, not ignored. */
  host?: string;
  /** Given by tests; a new random one otherwise. */
  token?: string;
  /** Given by tests (`/c/<22+ base64url chars>/`); a new random one otherwise. */
  prefix?: string;
  /** Milliseconds since the epoch; tests move it to expire a one-time code. */
  now?: () => number;
  /** A page that failed (an AWS error): one line for the operator's terminal. */
  onError?(error: unknown): void;
}

export interface RunningConsole {
  port: number;
  token: string;
  /** Where every page lives: `/c/<random>/`, the cookie's Path. */
  prefix: string;
  /** The URL to print, token included. */
  url: string;
  /** A new one-time URL for `--open` (no token, no prefix): valid once, for at most a minute. */
  openUrl(): string;
  close(): Promise<void>;
}

export async function startConsole(target: Target, options: ConsoleOptions = {}): Promise<RunningConsole> {
  const host = options.host ?? CONSOLE_BIND_HOST;
  assertLoopbackBind(host);
  const token = options.token ?? newToken();
  const prefix = options.prefix ?? newPrefix();
  assertPrefix(prefix);
  const codes = new OneTimeCodes(options.now);
  const css = await readFile(STYLESHEET);
  let port = 0;
  const server = createServer((req, res) => {
    handle(req, res, { target, token, prefix, codes, port, css }).catch((error: unknown) => {
      options.onError?.(error);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'the page failed; the console\'s terminal says why\n');
      else res.destroy();
    });
  });
  await listen(server, options.port ?? 0, host);
  port = (server.address() as AddressInfo).port;
  return {
    port,
    token,
    prefix,
    url: `http://${CONSOLE_BIND_HOST}:${port}${prefix}?token=${token}`,
    openUrl: () => `http://${CONSOLE_BIND_HOST}:${port}${OPEN_PATH}?code=${codes.issue()}`,
    close: () => closeServer(server),
  };
}

interface Context {
  target: Target;
  token: string;
  prefix: string;
  codes: OneTimeCodes;
  port: number;
  css: Buffer;
}

/** The one path outside the prefix: `--open`'s one-time code, so the opener's command line carries neither the token nor the prefix. */
const OPEN_PATH = '/open';

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${CONSOLE_BIND_HOST}:${ctx.port}`);
  const path = insidePrefix(url.pathname, ctx.prefix);
  if (path === undefined && url.pathname !== OPEN_PATH) return notFound(res);
  // DNS rebinding: another site's name pointed at 127.0.0.1 carries that name here.
  if (!hostAllowed(req.headers.host, ctx.port)) return send(res, 403, 'text/plain; charset=utf-8', 'forbidden: unknown Host\n');
  if (path === undefined) {
    const code = url.searchParams.get('code');
    if (code === null || !ctx.codes.redeem(code)) {
      return send(res, 403, 'text/plain; charset=utf-8', 'forbidden: this one-time link was used already or is over a minute old; open the URL `backup-mx console` printed\n');
    }
    return signIn(res, ctx, ctx.prefix);
  }
  const inUrl = url.searchParams.get('token');
  if (inUrl !== null) {
    if (!tokenMatches(ctx.token, inUrl)) return forbidden(res);
    // The token moves into a cookie and out of the URL (history, screenshots, a shoulder).
    url.searchParams.delete('token');
    // Under the prefix, whatever the path: "/c/<x>//evil.example/" must not become an off-site "//evil.example/".
    return signIn(res, ctx, `${ctx.prefix}${path.replace(/^\/+/, '')}${url.search}`);
  }
  return underPrefix(ctx.prefix, () => serve(req, res, ctx, url, path));
}

/** The token (or a one-time code) was right: the cookie, scoped to the prefix, and a 303 to `location` (on the console). */
function signIn(res: ServerResponse, ctx: Context, location: string): void {
  res.setHeader('Set-Cookie', tokenCookie(ctx.port, ctx.token, ctx.prefix));
  res.setHeader('Location', location);
  send(res, 303, 'text/plain; charset=utf-8', '');
}

/** A request under the prefix, `path` the console's own path ('/queue'). */
async function serve(req: IncomingMessage, res: ServerResponse, ctx: Context, url: URL, path: string): Promise<void> {
  if (!tokenMatches(ctx.token, cookieValue(req.headers.cookie, cookieName(ctx.port)))) return forbidden(res);
  if (req.method === 'POST' && path.startsWith(ACTION_PREFIX) && ACTIONS.has(path.slice(ACTION_PREFIX.length))) return act(req, res, ctx, path);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed: only an action\'s confirmation form posts\n');
  }
  if (path === '/console.css') return send(res, 200, 'text/css; charset=utf-8', ctx.css);
  const confirming = path.startsWith(CONFIRM_PREFIX) ? ACTIONS.get(path.slice(CONFIRM_PREFIX.length)) : undefined;
  if (confirming) {
    const name = path.slice(CONFIRM_PREFIX.length);
    const { status, body } = await confirmPage(ctx.target, name, confirming, url.searchParams, csrfToken(ctx.token, `${ACTION_PREFIX}${name}`));
    return send(res, status, 'text/html; charset=utf-8', body);
  }
  const render = PAGES.get(path);
  if (!render) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  const rendered = await render(ctx.target, url.searchParams);
  for (const [name, value] of Object.entries(rendered.headers ?? {})) res.setHeader(name, value);
  if ('stream' in rendered) return sendStream(res, rendered.type, rendered.stream);
  return send(res, rendered.status, rendered.type ?? 'text/html; charset=utf-8', rendered.body);
}

const ACTION_PREFIX = '/action/';
const CONFIRM_PREFIX = '/confirm/';
/** An action's form is a few short fields: anything bigger is not one (a bulk action, carrying its ids, says its own limit). */
const MAX_FORM_BYTES = 16 * 1024;

/**
 * POST /action/<name>: the cookie was checked above; here the Origin (another
 * site's page can make a browser post a form, cookie or not, SameSite aside)
 * and the form's CSRF token for this path. Any refusal is a 403 before the
 * action is looked at, so nothing is done.
 */
async function act(req: IncomingMessage, res: ServerResponse, ctx: Context, path: string): Promise<void> {
  const fetchSite = req.headers['sec-fetch-site'];
  if (!originAllowed(req.headers.origin, Array.isArray(fetchSite) ? fetchSite[0] : fetchSite, ctx.port)) {
    return send(res, 403, 'text/plain; charset=utf-8', 'forbidden: an action is taken only from the console\'s own pages (Origin)\n');
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const action = ACTIONS.get(path.slice(ACTION_PREFIX.length))!;
  const form = type === 'application/x-www-form-urlencoded' ? await readForm(req, action.maxFormBytes ?? MAX_FORM_BYTES) : undefined;
  if (form === undefined || !csrfMatches(ctx.token, path, form.get('csrf') ?? undefined)) {
    return send(res, 403, 'text/plain; charset=utf-8', 'forbidden: the form\'s CSRF token is missing or wrong; open the action from the console again\n');
  }
  const fields = Object.fromEntries(action.fields.flatMap((f) => (form.has(f) ? [[f, form.get(f)!]] : [])));
  const result = await runAction(action, ctx.target, fields);
  res.setHeader('Location', consoleHref(resultLocation(action.back, result)));
  return send(res, 303, 'text/plain; charset=utf-8', '');
}

/** The urlencoded body, or undefined when it is larger than a form of ours can be. */
async function readForm(req: IncomingMessage, maxBytes: number): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** A page: what its path shows, read through the operator (never written); HTML unless it names another type (a download), or a download streamed as it is read (an mbox). */
type PageRenderer = (target: Target, params: URLSearchParams) => Promise<{ status: number; body: string | Buffer; type?: string; headers?: Record<string, string> } | StreamedDownload>;

/** Every page by path; a new page is one entry here and one file in pages/. */
const PAGES: ReadonlyMap<string, PageRenderer> = new Map<string, PageRenderer>([
  ['/', async (target, params) => ({ status: 200, body: await overviewPage(target, params) })],
  ['/queue', queuePage],
  ['/message', messagePage],
  ['/message/raw', rawDownload],
  ['/message/mbox', messageMbox],
  ['/queue/mbox', queueMbox],
]);

function forbidden(res: ServerResponse): void {
  send(res, 403, 'text/plain; charset=utf-8', 'forbidden: open the URL `backup-mx console` printed (it carries the token)\n');
}

/** Outside the prefix: the same few bytes any server might answer, none of the console's headers, nothing that says a console is here. */
function notFound(res: ServerResponse): void {
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', 10);
  res.statusCode = 404;
  res.end(res.req.method === 'HEAD' ? undefined : 'not found\n');
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.statusCode = status;
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** A 200 whose body is written as it is read (no Content-Length); a failure midway is the caller's: it destroys the response, so the download ends short, never looking complete. */
async function sendStream(res: ServerResponse, type: string, stream: (out: ServerResponse) => Promise<void>): Promise<void> {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  res.setHeader('Content-Type', type);
  res.statusCode = 200;
  if (res.req.method === 'HEAD') {
    res.end();
    return;
  }
  await stream(res);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stops listening and drops kept-alive connections (a browser holds some open). */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
