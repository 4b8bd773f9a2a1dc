// The first half of a stop of the local backup MX: no new transaction in or
// out, the deliveries in progress get `waitMs` to finish (and the console says
// how many and how long), the drains give back what they received but did not
// start, and a drain cut short gives its route's lease back. What cannot
// finish in time is said plainly, as is the mail an in-memory run throws away.
import type { Engine, InProcessDrainStarter } from '../../lambdas/app/engine.js';
import type { Route } from '../../lambdas/core/model.js';
import type { OperatorReads } from '../../lambdas/core/operator/operator-reads.js';
import type { RouteState } from '../../lambdas/core/probe/ports.js';
import type { LineLogger } from '../ses-standin/ports.js';
import { plural } from '../words.js';
import type { CountedTransports } from './counted-transports.js';

export interface StopParts {
  engine: Engine;
  /** The route state's leases, handed over by the runner's wiring: a drain cut short gives its lease back. */
  leases: Pick<RouteState, 'releaseLease'>;
  /** What an in-memory run throws away at stop, read as `mailq` reads it. */
  operator: Pick<OperatorReads, 'listQueued'>;
  drains: InProcessDrainStarter;
  deliveries: CountedTransports;
  /** Closes the SMTP listener and the probe loop. */
  closeInbound: () => Promise<unknown>;
  out: LineLogger;
  dataDir?: string;
  /** The owner name of this process's drain leases. */
  leaseOwner: string;
}

/** True when `work` settled within `ms`. */
export async function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    work.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  return settled;
}

export async function stopDeliveries(parts: StopParts, { waitMs, quiet }: { waitMs: number; quiet: boolean }): Promise<void> {
  const { engine, leases, operator, drains, deliveries, out, dataDir } = parts;
  drains.stop();
  const closing = parts.closeInbound();
  const inFlight = deliveries.inFlight;
  const waitSeconds = Math.ceil(waitMs / 1000);
  if (inFlight > 0 && !quiet) out.info(`stopping: waiting for ${plural(inFlight, 'delivery', 'deliveries')}, at most ${waitSeconds} s`);
  const deadline = Date.now() + waitMs;
  const finished = await deliveries.idle(waitMs);
  // The drains then make visible again what they received but did not start (one call per message).
  const drainsDone = await settledWithin(drains.idle(), Math.max(1_000, deadline - Date.now()));
  await settledWithin(closing, 3_000);
  if (!quiet) {
    const left = deliveries.inFlight;
    if (!finished && left > 0) {
      out.warn(
        dataDir
          ? `${plural(left, 'delivery', 'deliveries')} did not finish within ${waitSeconds} s; the spool delivers their messages again at the next start (a primary that already got the final dot gets them twice)`
          : `${plural(left, 'delivery', 'deliveries')} did not finish within ${waitSeconds} s and this run keeps mail in memory: those messages are lost`,
      );
    }
    if (!dataDir) await warnDiscarded(operator, out);
  }
  if (!drainsDone) {
    for (const route of engine.settings.routes) {
      await settledWithin(leases.releaseLease(route.name, parts.leaseOwner), 1_000);
    }
  }
}

/**
 * Without a data dir the queue lives in this process: say what a stop throws
 * away. Every route's, read from the index, not the current routes': a reload
 * that removed a route left its mail queued, and it goes too.
 */
async function warnDiscarded(operator: Pick<OperatorReads, 'listQueued'>, out: LineLogger): Promise<void> {
  let queued = 0;
  try {
    queued = (await operator.listQueued()).length;
  } catch {
    return; // the table is already gone: nothing more to say
  }
  if (queued > 0) out.warn(`${plural(queued, 'queued message')} discarded: without BACKUPMX_DATA_DIR this run keeps mail in memory only`);
}

/** A previous run that did not stop cleanly (its lock was stale) leaves its drain leases: give them back before the probe starts. */
export async function releaseStaleLeases(leases: Pick<RouteState, 'releaseLease'>, routes: Route[], pid: number, out: LineLogger): Promise<void> {
  for (const route of routes) {
    await leases.releaseLease(route.name, `local-${pid}`);
  }
  out.info(`the previous run (pid ${pid}) did not stop cleanly; released its drain leases`);
}
