// Serialises the writers of our rule set's synced rules (the deploy's custom
// resource, and the writer a push asks for) through a lease in the state
// table: SES's one call a second is per account, so two writers at once
// throttle each other and may leave a half-written set. A writer waits for the
// lease (bounded), then fails naming who holds it and until when.
//
// The deploy goes first: its custom resource must answer CloudFormation before
// its function's timeout, so when it finds the lease taken it leaves a mark
// and no push's writer takes the lease until it has had it. A push's writer
// that meets the mark writes nothing and returns (DeployWaiting): the deploy
// writes every synced route from the newest stored list, which includes the
// one this push stored before its writer was asked. A Lambda retry instead
// would only queue behind the deploy to write the same list again.
//
// The deploy records the route table it was deployed with; a push's writer
// configured with another one (its function not yet, or no longer, the
// deploy's) writes nothing and throws RouteTableChanged: Lambda retries the
// asynchronous invocation, with the function's new configuration by then, so
// a writer on the previous routes never undoes the deploy's rules.
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

/** A push's writer gave way to a deploy waiting for the lease: the deploy writes the newest stored lists itself. */
export class DeployWaiting extends Error {
  constructor(readonly until: Date) {
    super(`a deploy waits for the rule set's write lease (until ${until.toISOString()}) and writes every synced route from the newest stored list: this writer leaves it to the deploy`);
    this.name = 'DeployWaiting';
  }
}

/** A push's writer runs with another route table than the last deploy recorded: it writes nothing (the retry runs with the new configuration). */
export class RouteTableChanged extends Error {
  constructor(own: string, deployed: string) {
    super(
      `the last deploy recorded route table ${deployed.slice(0, 12)}…, this writer runs with ${own.slice(0, 12)}…: nothing written. ` +
        'Lambda retries this asynchronous invocation, with the function\'s new configuration by then; a deploy in progress writes the stored lists itself',
    );
    this.name = 'RouteTableChanged';
  }
}

export interface RuleWriterLockDeps {
  lease: RuleWriterLease;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  /** This writer's id (one per invocation). */
  owner: string;
  /** The deploy's custom resource (priority, records the route table) or a push's writer (gives way to it). */
  as: 'deploy' | 'push';
  /** The route table's digest this writer was deployed with (the custom resource's property, the writer's env). */
  routeTableDigest?: string;
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
      if (this.held === 0) await this.release();
    }
  }

  private async take(): Promise<void> {
    const { lease, clock, owner, waitMs, as, routeTableDigest } = this.deps;
    const pollMs = this.deps.pollMs ?? RULE_WRITER_POLL_MS;
    const leaseMs = this.deps.leaseMs ?? RULE_WRITER_LEASE_MS;
    const start = clock.now().getTime();
    const claim = as === 'deploy' ? { as, waitUntil: new Date(start + waitMs), ...(routeTableDigest ? { routeTableDigest } : {}) } : { as };
    let logged = false;
    for (;;) {
      const now = clock.now();
      const got = await lease.acquire(owner, now, new Date(now.getTime() + leaseMs), claim);
      if (got.taken) {
        // No record (before the first deploy that records one) or no own digest (locally): nothing to compare.
        if (as === 'push' && routeTableDigest && got.routeTableDigest && got.routeTableDigest !== routeTableDigest) {
          await this.release();
          throw new RouteTableChanged(routeTableDigest, got.routeTableDigest);
        }
        return;
      }
      if (got.deployWaitingUntil) throw new DeployWaiting(got.deployWaitingUntil);
      const waited = now.getTime() - start;
      if (waited >= waitMs) throw new RuleWriterBusy(waited, got.holder);
      if (!logged) this.deps.log.info('waiting for the rule writer lease', { as, holder: got.holder.owner, until: got.holder.until.toISOString() });
      logged = true;
      await this.deps.sleep(Math.min(pollMs, waitMs - waited));
    }
  }

  private async release(): Promise<void> {
    await this.deps.lease.release(this.deps.owner).catch((error: unknown) => this.deps.log.warn('rule writer lease not released; it expires by itself', { error: String(error) }));
  }
}
