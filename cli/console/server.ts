// The console's HTTP surface (node:http, no framework): every request passes
// the Host check and the token check before anything is read, then a page is
// rendered from the operator's reads. Nothing is written to disk; the token
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
import { assertLoopbackBind, CONSOLE_BIND_HOST, cookieName, cookieValue, csrfMatches, csrfToken, hostAllowed, newToken, originAllowed, SECURITY_HEADERS, tokenCookie, tokenMatches } from './security.js';

const STYLESHEET = new URL('./console.css', import.meta.url);

export interface ConsoleOptions {
  /** 0 (default): a port the system picks. */
  port?: number;
  /** Only 127.0.0.1 is accepted (security.ts); here so a caller's mistake is refused, not ignored. */
  host?: string;
  /** Given by tests; a new random one otherwise. */
  token?: string;
  /** A page that failed (an AWS error): one line for the operator's terminal. */
  onError?(error: unknown): void;
}

export interface RunningConsole {
  port: number;
  token: string;
  /** The URL to open, token included. */
  url: string;
  close(): Promise<void>;
}

export async function startConsole(target: Target, options: ConsoleOptions = {}): Promise<RunningConsole> {
  const host = options.host ?? CONSOLE_BIND_HOST;
  assertLoopbackBind(host);
  const token = options.token ?? newToken();
  const css = await readFile(STYLESHEET);
  let port = 0;
  const server = createServer((req, res) => {
    handle(req, res, { target, token, port, css }).catch((error: unknown) => {
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
    url: `http://${CONSOLE_BIND_HOST}:${port}/?token=${token}`,
    close: () => closeServer(server),
  };
}

interface Context {
  target: Target;
  token: string;
  port: number;
  css: Buffer;
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  // DNS rebinding: another site's name pointed at 127.0.0.1 carries that name here.
  if (!hostAllowed(req.headers.host, ctx.port)) return send(res, 403, 'text/plain; charset=utf-8', 'forbidden: unknown Host\n');
  const url = new URL(req.url ?? '/', `http://${CONSOLE_BIND_HOST}:${ctx.port}`);
  const inUrl = url.searchParams.get('token');
  if (inUrl !== null) {
    if (!tokenMatches(ctx.token, inUrl)) return forbidden(res);
    // The token moves into a cookie and out of the URL (history, screenshots, a shoulder).
    url.searchParams.delete('token');
    res.setHeader('Set-Cookie', tokenCookie(ctx.port, ctx.token));
    // One leading slash: a path like "/.//evil.example/" normalises to "//evil.example/", which a browser would follow off-site.
    res.setHeader('Location', `/${url.pathname.replace(/^\/+/, '')}${url.search}`);
    return send(res, 303, 'text/plain; charset=utf-8', '');
  }
  if (!tokenMatches(ctx.token, cookieValue(req.headers.cookie, cookieName(ctx.port)))) return forbidden(res);
  if (req.method === 'POST' && url.pathname.startsWith(ACTION_PREFIX) && ACTIONS.has(url.pathname.slice(ACTION_PREFIX.length))) return act(req, res, ctx, url.pathname);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed: only an action\'s confirmation form posts\n');
  }
  if (url.pathname === '/console.css') return send(res, 200, 'text/css; charset=utf-8', ctx.css);
  const confirming = url.pathname.startsWith(CONFIRM_PREFIX) ? ACTIONS.get(url.pathname.slice(CONFIRM_PREFIX.length)) : undefined;
  if (confirming) {
    const name = url.pathname.slice(CONFIRM_PREFIX.length);
    const { status, body } = await confirmPage(ctx.target, name, confirming, url.searchParams, csrfToken(ctx.token, `${ACTION_PREFIX}${name}`));
    return send(res, status, 'text/html; charset=utf-8', body);
  }
  const render = PAGES.get(url.pathname);
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
  res.setHeader('Location', resultLocation(action.back, result));
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
