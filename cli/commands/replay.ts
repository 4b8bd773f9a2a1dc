// `backup-mx replay --route R --since T [--until T] [--recipient A]`: delivers
// again what the route received in the window (see core/operator/replay-messages.ts).
// Lists what it will send, asks unless --yes, then queues the replays for the
// normal drain, with progress. --dry-run only lists.
import type { ReplayPlan } from '../../lambdas/core/operator/replay-messages.js';
import type { CliIo } from '../cli-io.js';
import { EXIT, UsageError } from '../errors.js';
import { formatSender, formatSize, table } from '../format.js';
import { replayQueuedLine } from '../route-action-lines.js';
import { routeOf, type Target } from '../target.js';
import { parseTimeArg } from '../time-arg.js';

export interface ReplayOptions {
  route?: string;
  since?: string;
  until?: string;
  recipient?: string;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
}

export async function replayCommand(target: Target, options: ReplayOptions, io: CliIo): Promise<number> {
  if (!options.route) throw new UsageError('replay needs --route <name>');
  if (!options.since) throw new UsageError('replay needs --since <time> (e.g. 6h, or 2026-11-30T08:00Z)');
  const route = routeOf(target, options.route);
  const now = target.operator.now();
  const since = parseTimeArg('--since', options.since, now);
  const until = options.until ? parseTimeArg('--until', options.until, now) : now;
  if (until <= since) throw new UsageError(`--until (${until.toISOString()}) must be after --since (${since.toISOString()})`);
  const useCase = target.operator.replay;
  const plan = await useCase.plan(route, { since, until, ...(options.recipient ? { recipient: options.recipient } : {}) });

  if (options.json && (options.dryRun || plan.items.length === 0)) {
    io.out(JSON.stringify(planJson(plan, since, until, []), null, 2));
    return EXIT.ok;
  }
  const log = options.json ? (line: string) => io.err(line) : (line: string) => io.out(line);
  log(`Replay on route ${route.name}: messages received ${since.toISOString()} – ${until.toISOString()}${options.recipient ? ` to <${options.recipient}>` : ''}`);
  const rows = plan.items.map((i) => [i.messageId, i.receivedAt.toISOString(), formatSize(i.size), formatSender(i.sender), i.recipients.join(', ')]);
  if (rows.length > 0) for (const line of table(['ID', 'RECEIVED', 'SIZE', 'FROM', 'TO AGAIN'], rows)) log(line);
  for (const s of plan.skipped) log(`skipped ${s.messageId}: ${s.why}`);
  const recipients = plan.items.reduce((n, i) => n + i.recipients.length, 0);
  log(`${plan.items.length} message${plan.items.length === 1 ? '' : 's'} to ${recipients} recipient${recipients === 1 ? '' : 's'}${plan.skipped.length ? `, ${plan.skipped.length} skipped` : ''}`);
  if (plan.items.length === 0 || options.dryRun) {
    if (options.dryRun && plan.items.length > 0) log('dry run: nothing queued');
    return EXIT.ok;
  }
  if (!options.yes) {
    if (!io.interactive) throw new UsageError('refusing to replay without confirmation: no terminal to ask; pass --yes');
    if (!(await io.confirm(`Deliver these ${plan.items.length} messages to ${route.primary.host} again?`))) {
      log('Nothing replayed');
      return EXIT.usage;
    }
  }
  let lastShown = 0;
  const ids = await useCase.run(route, plan, (done, total) => {
    if (done === total || Date.now() - lastShown > 1_000) {
      lastShown = Date.now();
      io.err(`replay: ${done}/${total} queued`);
    }
  });
  if (options.json) {
    io.out(JSON.stringify(planJson(plan, since, until, ids), null, 2));
  } else {
    io.out(replayQueuedLine(route.name, ids.length, plan.generation, target.settings.probeIntervalSeconds));
  }
  return EXIT.ok;
}

function planJson(plan: ReplayPlan, since: Date, until: Date, queued: string[]) {
  return {
    route: plan.route,
    since: since.toISOString(),
    until: until.toISOString(),
    generation: plan.generation,
    messages: plan.items.map((i) => ({ id: i.messageId, receivedAt: i.receivedAt.toISOString(), size: i.size, sender: i.sender, recipients: i.recipients, ...(i.subject !== undefined ? { subject: i.subject } : {}) })),
    skipped: plan.skipped,
    queued,
  };
}
