// `backup-mx redirect <route> --to host[:port]` / `--clear`: the cut-over to a
// new primary without a redeploy. The route's mail goes to the target until
// cleared, or until a deploy changes the configured primary the redirect
// replaced (core/probe/effective-primary.ts). Refused, with nothing stored,
// when the target would loop back to us (invariant 4) or does not answer the
// probe the scheduled rounds make. The route's AUTH secret goes to the target
// only when the operator asks (`--auth`) and only over verified TLS
// (invariant 8): a redirect must not hand the primary's password to another host by default.
// Health is about where mail goes: setting or clearing a redirect records what the
// check of the new destination found, so a `flush` right after does not stop on the
// old host's "down" (the probe's next round refreshes it anyway).
import type { PrimaryServer, Route, TlsMode } from '../model.js';
import { primaryAddress, redirectApplies, redirectedPrimary, type PrimaryRedirect } from '../probe/effective-primary.js';
import type { PrimaryProbe, ProbeResult, RouteState } from '../probe/ports.js';
import type { PrimaryAddressGuard } from '../policy/ports.js';
import { FINGERPRINT_EXAMPLE, normalizeFingerprint } from '../policy/tls-fingerprint.js';
import type { Clock } from '../runtime/ports.js';

export interface RedirectDeps {
  routeState: Pick<RouteState, 'redirect' | 'setRedirect' | 'saveHealth'>;
  probe: PrimaryProbe;
  guard: PrimaryAddressGuard;
  clock: Clock;
}

export interface RedirectRequest {
  host: string;
  port: number;
  /** Absent: the configured primary's mode (not "fingerprint": the old host's digests cannot match a new one). */
  tls?: TlsMode;
  tlsFingerprints?: string[];
  /** Log in with the route's AUTH secret (only over verified TLS). */
  auth?: boolean;
  reason?: string;
}

/** A redirect as stored, and whether it applies to the route as configured now. */
export interface RedirectState {
  redirect: PrimaryRedirect;
  /** False once a deploy changed the primary it replaced: ignored, shown as cleared by that deploy. */
  applies: boolean;
}

const TLS_MODES: readonly TlsMode[] = ['none', 'opportunistic', 'required', 'verify', 'fingerprint'];
/** TLS modes whose peer is authenticated: the only ones AUTH credentials go over (invariant 8). */
const VERIFIED: readonly TlsMode[] = ['verify', 'fingerprint'];
const HOST = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$|^[0-9a-f:]+$/i;
const MAX_REASON_CHARS = 200;

/** Why a redirect was refused, naming the flag to change; nothing was stored. */
export class RedirectRefusedError extends Error {
  constructor(
    readonly flag: '--to' | '--tls' | '--fingerprint' | '--auth' | '--reason',
    message: string,
  ) {
    super(`${flag}: ${message}`);
    this.name = 'RedirectRefusedError';
  }
}

export class RedirectRoute {
  constructor(private readonly deps: RedirectDeps) {}

  /** The route's redirect, if one is stored (status, the console). */
  async current(route: Route): Promise<RedirectState | undefined> {
    const redirect = await this.deps.routeState.redirect(route.name);
    return redirect && { redirect, applies: redirectApplies(route, redirect) };
  }

  /**
   * Checks the target as the probe would (loop guard, then an SMTP check with the
   * TLS and AUTH the redirect will use) and stores the redirect; returns it with
   * the probe's latency. Throws RedirectRefusedError, storing nothing, otherwise.
   */
  async set(route: Route, request: RedirectRequest): Promise<{ redirect: PrimaryRedirect; latencyMs: number; replaced?: PrimaryRedirect }> {
    const redirect = this.checked(route, request);
    const target: PrimaryServer = redirectedPrimary(route.primary, redirect);
    const loop = await this.deps.guard.refusal(target);
    if (loop) throw new RedirectRefusedError('--to', `loop guard: ${loop}; nothing was stored`);
    const result = await this.deps.probe.check(target).catch((error: Error): ProbeResult => ({ ok: false, latencyMs: 0, error: `probe: ${error.message}` }));
    const where = `${target.host}:${target.port}`;
    if (result.authWithheld) throw new RedirectRefusedError('--tls', `${where} is not TLS-verified, so the route's AUTH secret was not sent (${result.error ?? 'no verified TLS'}); nothing was stored`);
    if (result.authRefused) throw new RedirectRefusedError('--auth', `${where} refused the route's AUTH credentials (${result.error ?? 'AUTH refused'}); leave --auth out if it needs none; nothing was stored`);
    if (!result.ok) throw new RedirectRefusedError('--to', `${where} does not answer a probe (${result.error ?? 'probe failed'}); nothing was stored`);
    const replaced = await this.deps.routeState.redirect(route.name);
    await this.deps.routeState.setRedirect(route.name, redirect);
    await this.recordHealth(route, result);
    return { redirect, latencyMs: result.latencyMs, ...(replaced ? { replaced } : {}) };
  }

  /**
   * Removes the redirect: mail goes to the configured primary again. Returns the
   * one removed (if any) and what a check of the configured primary found then.
   */
  async clear(route: Route): Promise<{ cleared?: PrimaryRedirect; primary: ProbeResult }> {
    const existing = await this.deps.routeState.redirect(route.name);
    if (existing) await this.deps.routeState.setRedirect(route.name, undefined);
    const primary = await this.deps.probe.check(route.primary).catch((error: Error): ProbeResult => ({ ok: false, latencyMs: 0, error: `probe: ${error.message}` }));
    // Only a change of destination makes the stored health about the wrong host.
    if (existing && redirectApplies(route, existing)) await this.recordHealth(route, primary);
    return { ...(existing ? { cleared: existing } : {}), primary };
  }

  /** The health of the route's new destination, as the probe records a check (a fresh record: the old host's AUTH backoff was about the old host). */
  private async recordHealth(route: Route, result: ProbeResult): Promise<void> {
    const now = this.deps.clock.now();
    const status = result.ok ? 'up' : 'down';
    await this.deps.routeState.saveHealth({
      route: route.name,
      status,
      since: now,
      lastCheckAt: now,
      latencyMs: result.latencyMs,
      consecutiveFailures: result.ok ? 0 : 1,
      ...(result.ok ? {} : { lastError: `after redirect --clear: ${result.error ?? 'probe failed'}` }),
    });
  }

  /** The request as a redirect to store, or the flag that is wrong. */
  private checked(route: Route, request: RedirectRequest): PrimaryRedirect {
    const host = request.host.trim().replace(/^\[(.*)\]$/, '$1');
    if (!HOST.test(host)) throw new RedirectRefusedError('--to', `"${request.host}" is not a host name or an IP address (host[:port], e.g. mx-new.example.com:25)`);
    if (!Number.isInteger(request.port) || request.port < 1 || request.port > 65_535) throw new RedirectRefusedError('--to', `port ${request.port} is not 1–65535`);
    const replaces = primaryAddress(route.primary);
    if (primaryAddress({ host, port: request.port }) === replaces) throw new RedirectRefusedError('--to', `${replaces} is the route's configured primary: \`backup-mx redirect ${route.name} --clear\` sends mail there again`);
    if (request.tls !== undefined && !TLS_MODES.includes(request.tls)) throw new RedirectRefusedError('--tls', `"${request.tls}" is not a TLS mode (${TLS_MODES.join(', ')})`);
    const tls = request.tls ?? route.primary.tls;
    if (request.tls === undefined && tls === 'fingerprint') throw new RedirectRefusedError('--tls', 'the route pins its primary\'s certificate (tls "fingerprint"): name the new host\'s TLS, e.g. --tls verify, or --tls fingerprint --fingerprint <digest>');
    const fingerprints = (request.tlsFingerprints ?? []).map((f) => normalizeFingerprint(f) ?? bad(f));
    if (tls === 'fingerprint' && fingerprints.length === 0) throw new RedirectRefusedError('--fingerprint', `tls "fingerprint" needs the new host's digest: ${FINGERPRINT_EXAMPLE}`);
    if (tls !== 'fingerprint' && fingerprints.length > 0) throw new RedirectRefusedError('--fingerprint', 'only with --tls fingerprint');
    const auth = request.auth === true;
    if (auth && route.primary.authSecretName === undefined) throw new RedirectRefusedError('--auth', `route ${route.name} has no AUTH secret to use`);
    if (auth && !VERIFIED.includes(tls)) throw new RedirectRefusedError('--auth', `the AUTH secret goes only over verified TLS: add --tls verify (or fingerprint); tls "${tls}" would leave it to whoever answers`);
    if (request.reason !== undefined && request.reason.length > MAX_REASON_CHARS) throw new RedirectRefusedError('--reason', `at most ${MAX_REASON_CHARS} characters (got ${request.reason.length})`);
    return {
      host,
      port: request.port,
      tls,
      ...(tls === 'fingerprint' ? { tlsFingerprints: fingerprints } : {}),
      auth,
      since: this.deps.clock.now(),
      replaces,
      ...(request.reason ? { reason: request.reason } : {}),
    };
  }
}

function bad(fingerprint: string): never {
  throw new RedirectRefusedError('--fingerprint', `"${fingerprint}" is not a certificate digest: ${FINGERPRINT_EXAMPLE}`);
}
