// A local flush interrupted with Ctrl-C (or SIGTERM) would leave the route's
// lease behind until it expires, and the messages it had received invisible
// until their visibility timeout. So a first signal asks the drain to stop
// (RunOptions.signal): deliveries in progress finish, received messages are
// made visible again, the lease is given back, and the command says so and
// exits 130. If that takes longer than `waitMs`, or on a second signal, the
// lease is given back and the command exits at once.
import type { DrainSummary } from '../lambdas/core/drain/drain-summary.js';
import type { RouteState } from '../lambdas/core/probe/ports.js';

/** Exit code of a command stopped by a signal (128 + SIGINT), as shells report it. */
export const INTERRUPTED_EXIT = 130;

export interface SignalHost {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
  exit(code: number): never | void;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
/** How long the handler waits for the lease release before exiting anyway. */
const RELEASE_WAIT_MS = 3000;
/** How long an interrupted flush lets its deliveries in progress finish. */
export const INTERRUPT_WAIT_MS = 10_000;

export interface InterruptOptions {
  /** Where the interruption is reported (stderr). */
  say?: (line: string) => void;
  waitMs?: number;
}

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
  drain: (route: string, signal: AbortSignal) => Promise<DrainSummary>,
  host: SignalHost = process,
  options: InterruptOptions = {},
): Promise<DrainSummary> {
  const say = options.say ?? (() => {});
  const waitMs = options.waitMs ?? INTERRUPT_WAIT_MS;
  const controller = new AbortController();
  let giveUp: NodeJS.Timeout | undefined;
  const exitNow = () => void releaseOnInterrupt(routeState, route, owner, host);
  const onSignal = () => {
    if (controller.signal.aborted) return exitNow(); // insisting: do not wait
    controller.abort();
    say(`flush ${route}: interrupted; finishing the deliveries in progress (at most ${Math.ceil(waitMs / 1000)} s) and giving the other messages back to the queue (again to exit at once)`);
    giveUp = setTimeout(() => {
      say(`flush ${route}: still delivering after ${Math.ceil(waitMs / 1000)} s; exiting: the messages in delivery come back after their visibility timeout`);
      exitNow();
    }, waitMs);
  };
  for (const signal of SIGNALS) host.on(signal, onSignal);
  try {
    const summary = await drain(route, controller.signal);
    if (controller.signal.aborted) {
      clearTimeout(giveUp);
      const released = summary.released === 1 ? '1 message' : `${summary.released} messages`;
      say(`flush ${route}: interrupted after ${summary.delivered} delivered; ${released} given back to the queue, ready for the next drain or flush`);
      host.exit(INTERRUPTED_EXIT);
    }
    return summary;
  } finally {
    for (const signal of SIGNALS) host.off(signal, onSignal);
  }
}
