// A probe whose results are scripted per host (queue consumed per check; the
// host's `steady` result once empty, ok by default). Records every check.
import type { PrimaryServer } from '../../core/model.js';
import type { PrimaryProbe, ProbeResult } from '../../core/ports.js';

export class ScriptedProbe implements PrimaryProbe {
  readonly checks: PrimaryServer[] = [];
  private readonly queued = new Map<string, ProbeResult[]>();
  private readonly steady = new Map<string, ProbeResult>();

  /** From now on every check of `host` gives this result. */
  set(host: string, result: ProbeResult): this {
    this.steady.set(host, result);
    this.queued.delete(host);
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

  async check(primary: PrimaryServer): Promise<ProbeResult> {
    this.checks.push({ ...primary });
    const next = this.queued.get(primary.host)?.shift();
    return next ?? this.steady.get(primary.host) ?? { ok: true, latencyMs: 10, greeting: `220 ${primary.host} ESMTP` };
  }
}
