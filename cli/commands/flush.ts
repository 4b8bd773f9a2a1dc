// `backup-mx flush [route]`: drain now, like `postqueue -f`. Locally the drain
// runs in this process and each attempt is printed as it happens; on AWS the
// drain function runs synchronously and its summary is printed.
import type { DrainSummary } from '../../lambdas/core/drain/drain-summary.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../errors.js';
import { describeDrain, drainFailed, explainStop } from '../route-action-lines.js';
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
        io.out(`flush ${r.name}: ${describeDrain(summary)}`);
        const why = await explainStop(target, summary.stoppedBecause, r.name);
        if (why) io.out(`  ${why}`);
      }
    }
  } finally {
    target.log.onAttempt = undefined;
  }
  if (options.json) io.out(JSON.stringify(summaries, null, 2));
  return summaries.some(drainFailed) ? EXIT.failed : EXIT.ok;
}
