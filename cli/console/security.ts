// What keeps the console the operator's alone (docs/security.md, "Console"):
// a loopback-only bind, a random token on every request (first in the URL,
// then an HttpOnly SameSite=Strict cookie scoped to the random path prefix), compared in constant time, a Host
// check against DNS rebinding, and the headers every response carries.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The only address the console listens on: a name (localhost) may resolve elsewhere, a wildcard would face the network. */
export const CONSOLE_BIND_HOST = '127.0.0.1';

/** A bind the console refuses, naming the fix. */
export class ConsoleBindError extends Error {
  constructor(host: string) {
    super(`the console listens on ${CONSOLE_BIND_HOST} only (got host ${JSON.stringify(host)}): it shows held mail, so it is never reachable from the network; reach it from elsewhere through an SSH tunnel (ssh -L)`);
    this.name = 'ConsoleBindError';
  }
}

export function assertLoopbackBind(host: string): void {
  if (host !== CONSOLE_BIND_HOST) throw new ConsoleBindError(host);
}

/** 32 random bytes, base64url: what the URL carries and the cookie keeps. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant time whatever the lengths: both sides are hashed first, so a guess learns nothing from the timing. */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(given));
}

/**
 * The cookie's name carries the port: cookies ignore ports, so two consoles
 * (two targets) on one machine would otherwise overwrite each other's token.
 */
export function cookieName(port: number): string {
  return `backupmx_console_${port}`;
}

/** Path: the console's random prefix (paths.ts), so the browser sends the cookie there only, not to another server on 127.0.0.1. */
export function tokenCookie(port: number, token: string, prefix: string): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=${prefix}`;
}

/** The value of one cookie in a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * DNS rebinding: a page on an attacker's name that now resolves to 127.0.0.1
 * sends its own name as Host. Only the console's own authorities pass.
 */
export function hostAllowed(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  const h = host.toLowerCase();
  return h === `${CONSOLE_BIND_HOST}:${port}` || h === `localhost:${port}`;
}

/**
 * The CSRF token a form embeds for one action path: an HMAC of the path keyed
 * with the console's token. Another site cannot compute it (it never sees the
 * token), and a token for one action does not authorise another.
 */
export function csrfToken(token: string, actionPath: string): string {
  return createHmac('sha256', token).update(`backup-mx console action ${actionPath}`, 'utf8').digest('base64url');
}

/** Constant time (tokenMatches): a wrong guess learns nothing from how long the refusal took. */
export function csrfMatches(token: string, actionPath: string, given: string | undefined): boolean {
  return tokenMatches(csrfToken(token, actionPath), given);
}

/**
 * The request comes from the console's own pages. A real Origin must be the
 * console's. Our Referrer-Policy (no-referrer) makes Chromium send
 * "Origin: null" on the console's own form posts, as a sandboxed frame or a
 * file: page would: then, as with no Origin at all, the browser's
 * Sec-Fetch-Site (a header no page can set) must say same-origin. A request
 * with neither is refused: an action is never taken on trust.
 */
export function originAllowed(origin: string | undefined, fetchSite: string | undefined, port: number): boolean {
  if (origin !== undefined && origin !== 'null') {
    const o = origin.toLowerCase();
    return o === `http://${CONSOLE_BIND_HOST}:${port}` || o === `http://localhost:${port}`;
  }
  return fetchSite === 'same-origin';
}

/**
 * Only what the pages need: the stylesheet from the console itself, forms
 * posting back to it. No script, image, frame or remote anything.
 */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** On every response, refusals and redirects included. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
