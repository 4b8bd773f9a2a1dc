// A probe whose results are scripted per host (queue consumed per check; the
// host's `steady` result once empty, ok by default). Records every check, and
// whether it skipped AUTH. `refuseAuth` scripts a primary that answers but
// refuses our credentials: checks with AUTH fail, checks without succeed.
import type { PrimaryServer } from '../../core/model.js';
import type { PrimaryProbe, ProbeCheckOptions, ProbeResult } from '../../core/probe/ports.js';

const REFUSED = 'AUTH: 535 5.7.8 Authentication credentials invalid';

export class ScriptedProbe implements PrimaryProbe {
  readonly checks: PrimaryServer[] = [];
  /** One entry per check: did it try AUTH (the primary names a secret and AUTH was not skipped)? */
  readonly authTried: boolean[] = [];
  private readonly queued = new Map<string, ProbeResult[]>();
  private readonly steady = new Map<string, ProbeResult>();
  private readonly refusing = new Set<string>();
  private readonly digests = new Map<string, string>();

  /** From now on every check of `host` gives this result. */
  set(host: string, result: ProbeResult): this {
    this.steady.set(host, result);
    this.queued.delete(host);
    this.refusing.delete(host);
    return this;
  }

  /** Queues one-off results for the next checks of `host`. */
  then(host: string, ...results: ProbeResult[]): this {
    this.queued.set(host, [...(this.queued.get(host) ?? []), ...results]);
    return this;
  }

  up(host: string, latencyMs = 12): this {
    return this.set(host, { ok: true, latencyMs, greeting: `220 ${host} ESMTP` });
  }

  down(host: string, error = 'connect: ECONNREFUSED'): this {
    return this.set(host, { ok: false, latencyMs: 3, error });
  }

  /** From now on `host` answers but refuses AUTH (until `up`, `down` or `set`). */
  refuseAuth(host: string): this {
    this.up(host);
    this.refusing.add(host);
    return this;
  }

  /** The digest the credential source gives for `host`'s secret from now on (changing it is "the operator fixed the password"). */
  credentials(host: string, digest: string): this {
    this.digests.set(host, digest);
    return this;
  }

  async check(primary: PrimaryServer, options: ProbeCheckOptions = {}): Promise<ProbeResult> {
    this.checks.push({ ...primary });
    const auth = primary.authSecretName !== undefined && !options.skipAuth;
    this.authTried.push(auth);
    const digest = primary.authSecretName !== undefined ? this.digests.get(primary.host) : undefined;
    const withDigest = (result: ProbeResult): ProbeResult => (digest !== undefined ? { ...result, credentialDigest: digest } : result);
    const next = this.queued.get(primary.host)?.shift();
    if (next) return withDigest(next);
    if (auth && this.refusing.has(primary.host)) return withDigest({ ok: false, latencyMs: 4, error: REFUSED, authRefused: true, greeting: `220 ${primary.host} ESMTP` });
    return withDigest(this.steady.get(primary.host) ?? { ok: true, latencyMs: 10, greeting: `220 ${primary.host} ESMTP` });
  }
}
