// `backup-mx hold --message <id>` / `hold [<route>] <filters>` and the same for
// release: hold chosen queued messages while the rest of their route flows
// (Postfix's `postsuper -h` / `-H`), through core/operator/hold-messages.ts.
// It lists what it will act on (exactly that with --dry-run, and the run then
// acts on exactly that list), asks before acting on more than one message, and
// reports counts. A held message stays queued: it still expires at the queue
// lifetime, as under a route hold.
import { HoldRefusedError, type HoldOutcome, type HoldSubject } from '../../lambdas/core/operator/hold-messages.js';
import { describeFilter, type MessageFilter } from '../../lambdas/core/operator/message-filter.js';
import { confirmBulk, countsLine, progressEvery } from '../bulk-output.js';
import type { CliIo } from '../cli-io.js';
import { EXIT, UsageError } from '../errors.js';
import { heldMessagesNote, releasedMessagesNote } from '../held-message-lines.js';
import { ageSeconds, formatAge, formatAgo, formatSender, table } from '../format.js';
import { routeOf, type Target } from '../target.js';
import { flushCommand } from './flush.js';
import { messageDetails } from './show.js';

export interface HoldMessagesOptions {
  /** One message by id (all its routes' queued copies, or only `route`'s). */
  message?: string;
  /** The queued messages this selects (message-filter-options.ts). */
  filter?: MessageFilter;
  reason?: string;
  dryRun?: boolean;
  yes?: boolean;
  /** release: drain the released messages' routes right after. */
  flush?: boolean;
}

type Verb = 'hold' | 'release';

/** One message the command may act on, with what it prints. */
interface Planned extends HoldSubject {
  sender?: string;
  subject?: string;
  held?: { since: Date; reason?: string };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function holdMessagesCommand(target: Target, verb: Verb, route: string | undefined, options: HoldMessagesOptions, io: CliIo): Promise<number> {
  if (options.message !== undefined && options.filter) throw new UsageError('give --message <id> or filters (--sender, --older-than, ...), not both');
  if (verb === 'release' && options.reason !== undefined) throw new UsageError('--reason: only `hold` takes a reason');
  if (verb === 'hold' && options.flush) throw new UsageError('--flush: only `release` takes it');
  const routeName = route === undefined ? undefined : routeOf(target, route).name;
  const { candidates, plan, header } = options.message !== undefined ? await byId(target, verb, options.message, routeName) : await byFilter(target, verb, options.filter!, routeName);
  const past = verb === 'hold' ? 'held' : 'released';
  if (plan.length === 0) {
    io.out(`Nothing to ${verb}: ${header}`);
    for (const c of candidates) io.out(`  ${c.id} (route ${c.route}): ${verb === 'hold' ? 'already held' : 'not held'}`);
    return EXIT.ok; // an empty plan is an answer, not a mistake: `release --older-than 1d --yes` from cron
  }
  printPlan(plan, target.operator.now(), io);
  io.out(header);
  if (options.dryRun) {
    io.out(`dry run: nothing ${past}`);
    return EXIT.ok;
  }
  // The rule of the bulk verbs: one message is acted on at once, more are asked about
  // (one --message id on two routes is one message).
  if (options.filter && plan.length > 1 && !(await confirmBulk(io, options, verb, `${verb === 'hold' ? 'Hold' : 'Release'} these ${plan.length} messages?`))) {
    io.out(`Nothing ${past}`);
    return EXIT.usage;
  }
  const progress = progressEvery(io, (done, total) => `${verb}: ${done}/${total}`);
  const report = (done: number, total: number, outcome: HoldOutcome) => {
    if ('failed' in outcome) io.err(`${outcome.message.id} (route ${outcome.message.route}): not ${past}: ${outcome.failed.message}`);
    if ('skipped' in outcome) io.out(`${outcome.message.id} (route ${outcome.message.route}): skipped: ${outcome.skipped}`);
    progress(done, total);
  };
  let outcomes: HoldOutcome[];
  try {
    outcomes = verb === 'hold' ? await target.operator.holdMessages.hold(plan, options.reason, report) : await target.operator.holdMessages.release(plan, report);
  } catch (error) {
    if (error instanceof HoldRefusedError) throw new UsageError(error.message);
    throw error;
  }
  const count = (key: 'acted' | 'skipped' | 'failed') => outcomes.filter((o) => key in o).length;
  io.out(countsLine(past, count('acted'), plan.length, count('skipped'), count('failed')));
  const code = count('failed') > 0 ? EXIT.failed : EXIT.ok;
  if (count('acted') === 0) return code;
  if (verb === 'hold') {
    io.out(heldMessagesNote(target.operator.holdMessages.firstExpiry(plan)));
    return code;
  }
  const acted = outcomes.flatMap((o) => ('acted' in o ? [o] : []));
  const later = acted.filter((o) => !o.queuedAgain).length;
  io.out(releasedMessagesNote(acted.length - later, later, options.flush === true));
  if (!options.flush) return code;
  let flushed: number = EXIT.ok;
  for (const r of [...new Set(acted.map((o) => o.message.route))]) flushed = Math.max(flushed, await flushCommand(target, r, {}, io));
  return Math.max(code, flushed);
}

/** `--message <id>`: its queued copies on every route (or `route`'s); refused when it is not queued. */
async function byId(target: Target, verb: Verb, id: string, route: string | undefined): Promise<{ candidates: Planned[]; plan: Planned[]; header: string }> {
  const details = await messageDetails(target, id, route);
  const queued = details.filter((d) => d.state === 'queued');
  if (queued.length === 0) {
    const states = details.map((d) => `${d.state} on route ${d.route}`).join(', ');
    throw new UsageError(`${id} is not queued (${states}): only a queued message can be ${verb === 'hold' ? 'held' : 'released'}`);
  }
  const candidates: Planned[] = queued.map((d) => ({
    id: d.id,
    route: d.route,
    ...(d.receivedAt ? { receivedAt: new Date(d.receivedAt) } : {}),
    ...(d.sender !== undefined ? { sender: d.sender } : {}),
    ...(d.subject !== undefined ? { subject: d.subject } : {}),
    ...(d.held ? { held: { since: new Date(d.held.since), ...(d.held.reason ? { reason: d.held.reason } : {}) } } : {}),
  }));
  const plan = candidates.filter((c) => (verb === 'hold' ? !c.held : c.held !== undefined));
  const routes = plan.map((p) => p.route).join(', ');
  return { candidates, plan, header: plan.length > 0 ? `message ${id}: to ${verb} on route ${routes}` : `message ${id}` };
}

/** Filters: the queued messages they select that are not held yet (hold) or held (release). */
async function byFilter(target: Target, verb: Verb, filter: MessageFilter, route: string | undefined): Promise<{ candidates: Planned[]; plan: Planned[]; header: string }> {
  const selection = await target.operator.select(filter, { ...(route ? { routes: [route] } : {}), queued: true, dead: false });
  const acts = verb === 'hold' ? target.operator.holdMessages.toHold(selection) : target.operator.holdMessages.toRelease(selection);
  const asPlanned = (m: (typeof selection.matched)[number]): Planned => ({
    id: m.id,
    route: m.route,
    sender: m.sender,
    ...(m.receivedAt ? { receivedAt: m.receivedAt } : {}),
    ...(m.subject !== undefined ? { subject: m.subject } : {}),
    ...(m.queued?.summary.held ? { held: m.queued.summary.held } : {}),
  });
  const n = selection.matched.length;
  const others = n - acts.length;
  const header =
    `${n} of ${plural(selection.total, 'queued message')} match${n === 1 ? 'es' : ''} ${describeFilter(filter)}; ${acts.length} to ${verb}` +
    (others > 0 ? ` (${others} ${verb === 'hold' ? 'already held' : 'not held'})` : '');
  // With an empty plan nothing is listed one by one: the header has the counts.
  return { candidates: [], plan: acts.map(asPlanned), header };
}

function printPlan(plan: Planned[], now: Date, io: CliIo): void {
  const rows = plan.map((m) => [
    m.id,
    m.route,
    m.sender !== undefined ? formatSender(m.sender) : '?',
    m.receivedAt ? formatAge(ageSeconds(m.receivedAt, now)) : '?',
    m.held ? `held ${formatAgo(m.held.since, now)}${m.held.reason ? `: ${m.held.reason}` : ''}` : '-',
    m.subject !== undefined ? JSON.stringify(m.subject) : '',
  ]);
  for (const line of table(['ID', 'ROUTE', 'SENDER', 'AGE', 'HELD', 'SUBJECT'], rows)) io.out(line);
}
