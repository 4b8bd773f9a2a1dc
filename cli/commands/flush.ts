// `backup-mx flush [route]`: drain now, like `postqueue -f`. Locally the drain
// runs in this process and each attempt is printed as it happens; on AWS the
// drain function runs synchronously and its summary is printed.
import type { DrainSummary, StopReason } from '../../lambdas/core/drain/drain-summary.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../errors.js';
import { formatAgo } from '../format.js';
import { routesOf, type Target } from '../target.js';

export interface FlushOptions {
  json?: boolean;
}

export async function flushCommand(target: Target, route: string | undefined, options: FlushOptions, io: CliIo): Promise<number> {
  const routes = routesOf(target, route);
  const summaries: DrainSummary[] = [];
  const progress = options.json ? io.err.bind(io) : io.out.bind(io);
  target.log.onAttempt = (a) =>
    progress(`  ${a.messageId}  to=<${a.recipient}>  relay=${a.relay}  delay=${a.delaySeconds}s  dsn=${a.dsn}  status=${a.status} (${a.reply})`);
  try {
    for (const r of routes) {
      progress(`flush ${r.name}: draining${target.kind === 'aws' ? ' with the drain function (waits for it to finish)' : ''}...`);
      const summary = await target.drain(r.name);
      summaries.push(summary);
      if (!options.json) {
        io.out(`flush ${r.name}: ${describe(summary)}`);
        const why = await explainStop(target, summary.stoppedBecause, r.name);
        if (why) io.out(`  ${why}`);
      }
    }
  } finally {
    target.log.onAttempt = undefined;
  }
  if (options.json) io.out(JSON.stringify(summaries, null, 2));
  return summaries.some((s) => s.errors > 0 || s.stoppedBecause === 'queue-error' || s.stoppedBecause === 'hold-unknown') ? EXIT.failed : EXIT.ok;
}

export function describe(s: DrainSummary): string {
  const counts = [
    `${s.messages} message${s.messages === 1 ? '' : 's'}`,
    `${s.delivered} delivered`,
    `${s.deferred} deferred`,
    `${s.bounced} bounced`,
    `${s.deadLettered} dead-lettered`,
    `${s.expired} expired`,
  ];
  if (s.reenqueued) counts.push(`${s.reenqueued} re-enqueued`);
  if (s.released) counts.push(`${s.released} left for later`);
  if (s.held) counts.push(`${s.held} held (\`mailq --held\`)`);
  if (s.errors) counts.push(`${s.errors} errors`);
  return `${counts.join(', ')} (stopped: ${s.stoppedBecause})`;
}

/** A line saying what the stop reason means and what to do, when it is not plain success. */
async function explainStop(target: Target, reason: StopReason, route: string): Promise<string | undefined> {
  const { operator } = target;
  switch (reason) {
    case 'held': {
      const hold = await operator.routeHold(route);
      const window = hold ? undefined : (await operator.hold.windows(route)).find((w) => w.from <= operator.now());
      if (window) return `route ${route} is inside maintenance window ${window.id} until ${window.until.toISOString()}: nothing is delivered until it ends (then at the next probe), or \`backup-mx release ${route} --window ${window.id}\` ends it now`;
      return `route ${route} is held${hold ? ` (since ${formatAgo(hold.since, operator.now())}${hold.reason ? `: ${hold.reason}` : ''})` : ''}: nothing is delivered until \`backup-mx release ${route}\``;
    }
    case 'primary-down': {
      const health = await operator.primaryHealth(route);
      return `the primary is marked down${health ? ` since ${formatAgo(health.since, operator.now())} (${health.lastError ?? 'no answer'})` : ''}: the probe checks it every ${target.settings.probeIntervalSeconds} s and starts the drain as soon as it answers`;
    }
    case 'connection-failed':
      return 'the primary stopped answering during the drain: it is now marked down; the probe will start the drain again when it is back';
    case 'lease-held':
      return 'another drain of this route is running right now: it is delivering the queue';
    case 'time-budget':
      return 'the time budget ran out before the queue was empty: run flush again, or let the next drain continue';
    case 'queue-error':
      return 'the queue could not be read: see the errors above';
    case 'redirected':
      return `the redirect of route ${route} was set or cleared during the drain: it stopped so that nothing more goes to the previous host; run flush again to deliver to the new one`;
    case 'hold-unknown':
      return `the hold of route ${route} could not be read, so it was treated as held and nothing was delivered: see the errors above, then run flush again`;
    default:
      return undefined;
  }
}
