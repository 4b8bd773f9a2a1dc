// `backup-mx hold <route>` / `release <route>`: stop delivery to a primary even
// when it is up (maintenance, migration), and resume. Mail keeps being
// accepted and queued; the drain and the probe respect the hold.
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../errors.js';
import { atNextProbe, formatAgo } from '../format.js';
import { HOLD_CACHE_SECONDS } from '../../lambdas/core/drain/drain-route.js';
import { routeOf, type Target } from '../target.js';
import { flushCommand } from './flush.js';

export async function holdCommand(target: Target, route: string, options: { reason?: string }, io: CliIo): Promise<number> {
  const { routeState, clock } = target.engine.deps;
  routeOf(target, route);
  const existing = await routeState.hold(route);
  if (existing) {
    io.out(`route ${route} is already held (since ${formatAgo(existing.since, clock.now())}${existing.reason ? `: ${existing.reason}` : ''})`);
    return EXIT.ok;
  }
  await routeState.setHold(route, { since: clock.now(), ...(options.reason ? { reason: options.reason } : {}) });
  // A running drain reads the hold at most HOLD_CACHE_SECONDS old before each transaction:
  // waiting that long means none starts after this returns. Messages in flight say a drain may be running.
  const inFlight = await target.engine.queue(routeOf(target, route)).depth().then((d) => d.inFlight, () => 0);
  if (inFlight > 0) {
    io.out(`waiting ${HOLD_CACHE_SECONDS + 1} s for a running drain to see the hold...`);
    await new Promise((resolve) => setTimeout(resolve, (HOLD_CACHE_SECONDS + 1) * 1000));
    io.out(`${inFlight} message${inFlight === 1 ? ' was' : 's were'} in flight (in delivery, or waiting out a retry): a transaction already begun finishes; no new one starts`);
  }
  io.out(`route ${route} held: mail is still accepted and queued, but nothing is delivered until \`backup-mx release ${route}\``);
  return EXIT.ok;
}

export async function releaseCommand(target: Target, route: string, options: { flush?: boolean }, io: CliIo): Promise<number> {
  const { routeState, clock } = target.engine.deps;
  routeOf(target, route);
  const existing = await routeState.hold(route);
  if (existing) {
    await routeState.setHold(route, undefined);
    io.out(`route ${route} released (it was held for ${formatAgo(existing.since, clock.now()).replace(/ ago$/, '')})`);
  } else {
    io.out(`route ${route} was not held`);
  }
  if (options.flush) return flushCommand(target, route, {}, io);
  io.out(`deliveries resume ${atNextProbe(target.settings.probeIntervalSeconds)}; \`backup-mx flush ${route}\` starts them now`);
  return EXIT.ok;
}
