// `backup-mx hold <route>` / `release <route>`: stop delivery to a primary even
// when it is up (maintenance, migration), and resume. Mail keeps being
// accepted and queued; the drain and the probe respect the hold.
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../errors.js';
import { formatAgo } from '../format.js';
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
  io.out(`deliveries resume at the next probe (within a minute); \`backup-mx flush ${route}\` starts them now`);
  return EXIT.ok;
}
