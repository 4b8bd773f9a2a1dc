// Where the console's pages live: under a random prefix (`/c/<22 base64url
// chars>/`) that the token cookie's Path names, so the browser sends the cookie
// to this prefix only, not to every server on 127.0.0.1 (cookies ignore ports).
// Pages write their links as the console's own paths (`/queue?…`) through
// `consoleHref`, which puts the prefix of the request being served in front.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { tokenMatches } from './security.js';

/** `/c/<16 random bytes, base64url>/`: 128 bits, never guessed by a server that has not been told it. */
export function newPrefix(): string {
  return `/c/${randomBytes(16).toString('base64url')}/`;
}

const PREFIX_SHAPE = /^\/c\/[A-Za-z0-9_-]{22,}\/$/;

/** A prefix a caller (a test) gives must look like ours: a short or odd one would undo what it is for. */
export function assertPrefix(prefix: string): void {
  if (!PREFIX_SHAPE.test(prefix)) throw new Error(`a console prefix is /c/<22 or more base64url characters>/ (got ${JSON.stringify(prefix)})`);
}

/**
 * The console path under `prefix` ('/queue' for '/c/<x>/queue'), or undefined
 * when the request is outside it. The secret segment is compared in constant
 * time, so a prober learns nothing of it from how long a 404 took.
 */
export function insidePrefix(pathname: string, prefix: string): string | undefined {
  const end = pathname.indexOf('/', 3);
  if (!pathname.startsWith('/c/') || end < 0) return undefined;
  return tokenMatches(prefix, pathname.slice(0, end + 1)) ? pathname.slice(end) : undefined;
}

const served = new AsyncLocalStorage<string>();

/** Runs `render` for a request under `prefix`: every link it builds with consoleHref carries that prefix. */
export function underPrefix<T>(prefix: string, render: () => T): T {
  return served.run(prefix, render);
}

/**
 * A console path ('/queue?route=main', '/console.css') as the browser must
 * ask for it. Outside a request (a test rendering a page alone) it is the path
 * itself.
 */
export function consoleHref(path: string): string {
  const prefix = served.getStore();
  return prefix === undefined ? path : `${prefix}${path.replace(/^\/+/, '')}`;
}
