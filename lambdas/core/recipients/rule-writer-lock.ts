// Serialises the writers of our rule set's synced rules (the deploy's custom
// resource, and the writer a push asks for) through a lease in the state
// table: SES's one call a second is per account, so two writers at once
// throttle each other and may leave a half-written set. A writer waits for the
// lease (bounded), then fails naming who holds it and until when: the deploy
// fails clearly, a push's writer is retried by Lambda's async invocation.
import type { Clock, DeliveryLog } from '../runtime/ports.js';
import type { LeaseHolder, RuleWriterLease } from './ports.js';

/** The writer function's timeout is 15 minutes: a lease outlives any writer, so one that died frees it by expiry. */
export const RULE_WRITER_LEASE_MS = 16 * 60_000;
/** How often a waiting writer tries the lease again. */
export const RULE_WRITER_POLL_MS = 5_000;

export class RuleWriterBusy extends Error {
  constructor(waitedMs: number, holder: LeaseHolder) {
    super(
      `another writer (${holder.owner}) holds the rule set's write lease until ${holder.until.toISOString()}; waited ${Math.round(waitedMs / 1000)} s. ` +
        'It is writing synced receipt rules (a deploy or a push): retry once it is done (the lease expires by itself if that writer died)',
    );
    this.name = 'RuleWriterBusy';
  }
}

export interface RuleWriterLockDeps {
  lease: RuleWriterLease;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  /** This writer's id (one per invocation). */
  owner: string;
  /** How long to wait for another writer before giving up. */
  waitMs: number;
  pollMs?: number;
  leaseMs?: number;
  log: Pick<DeliveryLog, 'info' | 'warn'>;
}

/** One per invocation: `run` inside `run` (the deploy's pass around each route's) holds the same lease. */
export class RuleWriterLock {
  private held = 0;

  constructor(private readonly deps: RuleWriterLockDeps) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.held === 0) await this.take();
    this.held += 1;
    try {
      return await work();
    } finally {
      this.held -= 1;
      if (this.held === 0) await this.deps.lease.release(this.deps.owner).catch((error: unknown) => this.deps.log.warn('rule writer lease not released; it expires by itself', { error: String(error) }));
    }
  }

  private async take(): Promise<void> {
    const { lease, clock, owner, waitMs } = this.deps;
    const pollMs = this.deps.pollMs ?? RULE_WRITER_POLL_MS;
    const leaseMs = this.deps.leaseMs ?? RULE_WRITER_LEASE_MS;
    const start = clock.now().getTime();
    let logged = false;
    for (;;) {
      const now = clock.now();
      const got = await lease.acquire(owner, now, new Date(now.getTime() + leaseMs));
      if (got.taken) return;
      const waited = now.getTime() - start;
      if (waited >= waitMs) throw new RuleWriterBusy(waited, got.holder);
      if (!logged) this.deps.log.info('waiting for the rule writer lease', { holder: got.holder.owner, until: got.holder.until.toISOString() });
      logged = true;
      await this.deps.sleep(Math.min(pollMs, waitMs - waited));
    }
  }
}
