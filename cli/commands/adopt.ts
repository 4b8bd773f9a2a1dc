// `backup-mx adopt <queue-url> --route <name>`: delivers the mail of a queue
// the stack kept after a route was renamed or removed, or after a destroy and
// a new deploy: its notifications move into the route's current queue, and
// the next probe delivers them. Only a queue tagged as this stack's, and
// never one in use (core/operator/adopt-queue.ts adoptRefusal).
import { SqsMailQueue } from '../../lambdas/adapters/aws/sqs-mail-queue.js';
import { SqsQueueDirectory } from '../../lambdas/adapters/aws/sqs-queue-directory.js';
import { AdoptQueue, adoptRefusal } from '../../lambdas/core/operator/adopt-queue.js';
import type { CliIo } from '../cli-io.js';
import { EXIT, UsageError } from '../errors.js';
import { atNextProbe } from '../format.js';
import { routeOf, type Target } from '../target.js';

export async function adoptCommand(target: Target, queueUrl: string, options: { route: string }, io: CliIo): Promise<number> {
  const route = routeOf(target, options.route);
  if (!/^https?:\/\/\S+$/.test(queueUrl)) throw new UsageError(`expected the URL of the old queue (https://sqs.<region>.amazonaws.com/<account>/<name>), got "${queueUrl}"`);
  const { engine, settings } = target;
  // Only a queue this stack tagged (another stack's name may start like ours), and never one in use.
  const stackName = target.stack?.stackName ?? settings.stackName;
  const refusal = await adoptRefusal(new SqsQueueDirectory(engine.clients.sqs), queueUrl, {
    route: route.name,
    inUse: [...settings.routes.map((r) => ({ url: r.queueUrl, route: r.name })), { url: settings.deadLetterQueueUrl }],
    ...(stackName ? { stackName } : {}),
  });
  if (refusal) throw new UsageError(refusal);
  const from = new SqsMailQueue(engine.clients.sqs, queueUrl);
  const useCase = new AdoptQueue({ index: engine.deps.index, parse: engine.deps.parse, log: engine.deps.log });
  const summary = await useCase.run(from, engine.queue(route), route.name, (s) => io.err(`moved ${s.moved}...`));
  io.out(
    `moved ${summary.moved} message${summary.moved === 1 ? '' : 's'} from ${queueUrl} to route ${route.name}` +
      (summary.unreadable ? ` (${summary.unreadable} not SES notifications: the drain will dead-letter them with a record)` : ''),
  );
  io.out(summary.moved > 0 ? `they are delivered ${atNextProbe(settings.probeIntervalSeconds)}; \`backup-mx flush ${route.name}\` starts now` : 'nothing to move: you may delete that queue');
  return EXIT.ok;
}
