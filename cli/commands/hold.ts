// `backup-mx hold <route>` / `release <route>`: stop delivery to a primary even
// when it is up (maintenance, migration), and resume. Mail keeps being
// accepted and queued; the drain and the probe respect the hold
// (core/operator/hold-route.ts, which also waits out a running drain's cache).
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../errors.js';
import { atNextProbe, formatAgo } from '../format.js';
import { routeOf, type Target } from '../target.js';
import { flushCommand } from './flush.js';

export async function holdCommand(target: Target, route: string, options: { reason?: string }, io: CliIo): Promise<number> {
  const now = () => target.operator.now();
  const result = await target.operator.hold.hold(routeOf(target, route), options.reason, (seconds) => io.out(`waiting ${seconds} s for a running drain to see the hold...`));
  if ('already' in result) {
    const existing = result.already;
    io.out(`route ${route} is already held (since ${formatAgo(existing.since, now())}${existing.reason ? `: ${existing.reason}` : ''})`);
    return EXIT.ok;
  }
  const { inFlight } = result;
  if (inFlight > 0) {
    io.out(`${inFlight} message${inFlight === 1 ? ' was' : 's were'} in flight (in delivery, or waiting out a retry): a transaction already begun finishes; no new one starts`);
  }
  io.out(`route ${route} held: mail is still accepted and queued, but nothing is delivered until \`backup-mx release ${route}\``);
  return EXIT.ok;
}

export async function releaseCommand(target: Target, route: string, options: { flush?: boolean }, io: CliIo): Promise<number> {
  const released = await target.operator.hold.release(routeOf(target, route));
  if (released) {
    io.out(`route ${route} released (it was held for ${formatAgo(released.since, target.operator.now()).replace(/ ago$/, '')})`);
  } else {
    io.out(`route ${route} was not held`);
  }
  if (options.flush) return flushCommand(target, route, {}, io);
  io.out(`deliveries resume ${atNextProbe(target.settings.probeIntervalSeconds)}; \`backup-mx flush ${route}\` starts them now`);
  return EXIT.ok;
}
