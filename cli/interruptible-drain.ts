// A local flush interrupted with Ctrl-C (or SIGTERM) would leave the route's
// lease behind until it expires, and the runner's drains would wait for it.
// While the drain runs, a signal gives the lease back, then exits 130.
import type { DrainSummary } from '../lambdas/core/engine-types.js';
import type { RouteState } from '../lambdas/core/ports.js';

/** Exit code of a command stopped by a signal (128 + SIGINT), as shells report it. */
export const INTERRUPTED_EXIT = 130;

export interface SignalHost {
  once(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
  exit(code: number): never | void;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
/** How long the handler waits for the lease release before exiting anyway. */
const RELEASE_WAIT_MS = 3000;

/** What the signal handler does: release the lease (best effort), then exit. */
export async function releaseOnInterrupt(routeState: RouteState, route: string, owner: string, host: Pick<SignalHost, 'exit'>): Promise<void> {
  // Bounded: an unreachable table must not keep Ctrl-C from stopping the command.
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, RELEASE_WAIT_MS)));
  try {
    await Promise.race([routeState.releaseLease(route, owner), giveUp]);
  } catch {
    // Exiting anyway: the lease then expires on its own.
  } finally {
    clearTimeout(timer);
  }
  host.exit(INTERRUPTED_EXIT);
}

export async function interruptibleDrain(
  routeState: RouteState,
  route: string,
  owner: string,
  drain: (route: string) => Promise<DrainSummary>,
  host: SignalHost = process,
): Promise<DrainSummary> {
  const onSignal = () => {
    void releaseOnInterrupt(routeState, route, owner, host);
  };
  for (const signal of SIGNALS) host.once(signal, onSignal);
  try {
    return await drain(route);
  } finally {
    for (const signal of SIGNALS) host.off(signal, onSignal);
  }
}
