// Where a route's mail goes now: the configured primary, or the host the
// operator redirected it to (`backup-mx redirect <route> --to host[:port]`, the
// cut-over to a new primary without a redeploy). The probe checks and the drain
// delivers to this one host, so health is about where mail goes. A redirect
// names the configured primary it replaced: once a deploy changes that primary,
// the redirect no longer applies (the new configuration is the operator's
// latest word) and status says it was cleared by that deploy.
import type { PrimaryServer, Route, TlsMode } from '../model.js';

/** A route's redirect as stored (route state item `redirect`). */
export interface PrimaryRedirect {
  host: string;
  port: number;
  tls: TlsMode;
  /** With tls "fingerprint": the target's certificate or key digests. */
  tlsFingerprints?: string[];
  /** Log in with the route's AUTH secret: only when the operator asked (`--auth`); never by default. */
  auth: boolean;
  since: Date;
  /** The configured primary it replaces, "host:port": a deploy that changes it ends the redirect. */
  replaces: string;
  reason?: string;
}

/** "host:port" of a primary, lower case: what a redirect records and compares. */
export function primaryAddress(primary: Pick<PrimaryServer, 'host' | 'port'>): string {
  return `${primary.host.trim().toLowerCase().replace(/\.$/, '')}:${primary.port}`;
}

/** Whether the redirect still applies to the route as configured now (false after a deploy changed the primary). */
export function redirectApplies(route: Route, redirect: PrimaryRedirect): boolean {
  return redirect.replaces === primaryAddress(route.primary);
}

/**
 * The target as a primary: the route's own limits (sessions, messages in
 * flight), the redirect's TLS, and the route's AUTH secret only with `auth`.
 */
export function redirectedPrimary(configured: PrimaryServer, redirect: PrimaryRedirect): PrimaryServer {
  return {
    host: redirect.host,
    port: redirect.port,
    tls: redirect.tls,
    ...(redirect.tls === 'fingerprint' && redirect.tlsFingerprints ? { tlsFingerprints: [...redirect.tlsFingerprints] } : {}),
    ...(redirect.auth && configured.authSecretName !== undefined ? { authSecretName: configured.authSecretName } : {}),
    ...(configured.maxSessions !== undefined ? { maxSessions: configured.maxSessions } : {}),
    ...(configured.messagesInFlight !== undefined ? { messagesInFlight: configured.messagesInFlight } : {}),
  };
}

export interface EffectiveRoute {
  /** The route with `primary` where its mail goes now. */
  route: Route;
  /** The redirect in force, if any. */
  redirect?: PrimaryRedirect;
  /** A stored redirect a deploy made stale (ignored). */
  ignored?: PrimaryRedirect;
}

/** The one place the probe and the drain turn a route and its stored redirect into where mail goes. */
export function effectiveRoute(route: Route, redirect: PrimaryRedirect | undefined): EffectiveRoute {
  if (!redirect) return { route };
  if (!redirectApplies(route, redirect)) return { route, ignored: redirect };
  return { route: { ...route, primary: redirectedPrimary(route.primary, redirect) }, redirect };
}
