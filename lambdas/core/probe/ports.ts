// Ports of the probe: the SMTP check of a primary and the route state it keeps
// (health, drain lease, operator hold, maintenance windows, redirect, sweep claims).
import type { PrimaryHealth, PrimaryServer } from '../model.js';
import type { PrimaryRedirect } from './effective-primary.js';
import type { HealthTransition } from './health-history.js';
import type { RouteWindows } from './maintenance-windows.js';

/** What decides whether and where a route delivers, read together (RouteState.controls). */
export interface RouteControls {
  /** The operator's hold, if any. */
  hold?: { since: Date; reason?: string };
  /** The maintenance windows as stored, with the version a saveWindows must name. */
  windows: RouteWindows & { version: number };
  /** The operator's redirect, if any (as stored: effective-primary.ts decides whether it applies). */
  redirect?: PrimaryRedirect;
  /** The primary's health: only when asked for with `withHealth` (and stored). */
  health?: PrimaryHealth;
}

/** Primary health, drain leases and hold flags (DynamoDB). */
export interface RouteState {
  health(route: string): Promise<PrimaryHealth | undefined>;
  saveHealth(health: PrimaryHealth): Promise<void>;
  /**
   * The hold, the windows and the redirect (and the health with `withHealth`)
   * in one strongly consistent read: what a drain checks every few seconds and
   * the probe every round. Throws when any of them cannot be read (the drain
   * then counts the route as maybe held); never answers with a part.
   */
  controls(route: string, options?: { withHealth?: boolean }): Promise<RouteControls>;
  /** Records one up/down transition of the route's primary (kept KEEP_HEALTH_HISTORY_SECONDS). */
  recordTransition(route: string, transition: HealthTransition): Promise<void>;
  /**
   * The route's transitions from `since`, ascending, preceded by the last one
   * before `since` when still kept; transitions past their keep time at `now`
   * are left out even when the store has not deleted them yet.
   */
  healthTransitions(route: string, since: Date, now: Date): Promise<HealthTransition[]>;
  /**
   * Claims the route's drain lease until `until`. Returns false if another
   * owner holds an unexpired lease (conditional write).
   */
  acquireLease(route: string, owner: string, now: Date, until: Date): Promise<boolean>;
  /** Gives the lease back; does nothing if `owner` no longer holds it. */
  releaseLease(route: string, owner: string): Promise<void>;
  /** The hold set by an operator, if any: a held route gets no deliveries. */
  hold(route: string): Promise<{ since: Date; reason?: string } | undefined>;
  setHold(route: string, hold: { since: Date; reason?: string } | undefined): Promise<void>;
  /**
   * The route's maintenance windows as stored (an empty list when none), with
   * the version a `saveWindows` must name (0 when never written).
   */
  windows(route: string): Promise<RouteWindows & { version: number }>;
  /**
   * Replaces the route's windows if their stored version is still `version`
   * (conditional write); returns false when another write came first (read again).
   */
  saveWindows(route: string, windows: RouteWindows, version: number): Promise<boolean>;
  /** The operator's redirect of the route's mail to another host (effective-primary.ts), if any. */
  redirect(route: string): Promise<PrimaryRedirect | undefined>;
  /** Stores the redirect, or removes it with undefined (only the operator writes it). */
  setRedirect(route: string, redirect: PrimaryRedirect | undefined): Promise<void>;
  /**
   * Claims this hour's sweep (item `sk=sweep`): records `now` as the last sweep
   * and returns true when the previous one is older than `intervalSeconds` (or
   * absent); returns false otherwise (conditional write, so two probes never
   * both start one).
   */
  claimSweep(route: string, now: Date, intervalSeconds: number): Promise<boolean>;
  /** When the last sweep was claimed, if ever (for status). */
  lastSweep(route: string): Promise<Date | undefined>;
  /**
   * The last sweep stopped with work left (time or message limit): the next
   * claimSweep succeeds whatever the interval, so the probe chains another
   * sweep within one round.
   */
  continueSweep(route: string): Promise<void>;
}

export interface ProbeResult {
  ok: boolean;
  latencyMs: number;
  /** What failed, at which step ("connect: ECONNREFUSED", "EHLO: 421 ..."). */
  error?: string;
  greeting?: string;
  /** True when the primary answered but refused our AUTH credentials (535 and the like). */
  authRefused?: boolean;
  /**
   * True when AUTH was not even tried: the session's peer was not authenticated
   * (no TLS, or a certificate neither verified nor pinned). A route
   * misconfiguration or someone in the middle; the password never went out.
   */
  authWithheld?: boolean;
  /**
   * A short digest of the route's current AUTH credentials (the ones refused,
   * with authRefused), when the primary names a secret and it could be read.
   */
  credentialDigest?: string;
}

export interface ProbeCheckOptions {
  /** No AUTH even when the primary names a secret: reachability only (after a refusal). */
  skipAuth?: boolean;
}

/** Connect, 220, EHLO, STARTTLS if the mode asks, AUTH when configured, QUIT; each step with a timeout. */
export interface PrimaryProbe {
  check(primary: PrimaryServer, options?: ProbeCheckOptions): Promise<ProbeResult>;
}
