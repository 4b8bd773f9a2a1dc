// `backup-mx status`: one line per route — primary up/down and since when,
// the last probe (when, and what it found), hold (the operator's, or the maintenance window on now),
// queue (and how many of its messages are held one by one), oldest message, dead letters, last finished; each route's maintenance windows and redirect,
// and a synced route's list; then the shared dead-letter queue's depth against the dead-letter records,
// and the conditions the probe found on (what its RouteProblems and
// StackProblems alarms fire on), each with its meaning and since when, with a
// synced list whose rules stay pending past the rule writer's run (cli/recipient-list-status.ts).
import type { PrimaryHealth } from '../../lambdas/core/model.js';
import { AUTH_REFUSED_PREFIX } from '../../lambdas/core/policy/auth-backoff.js';
import { HEALTH_REFRESH_SECONDS, probeStaleAfterSeconds } from '../../lambdas/core/probe/health-change.js';
import type { CliIo } from '../cli-io.js';
import { deadLetterQueueReport } from '../dead-letter-report.js';
import { EXIT } from '../errors.js';
import { describeTarget } from './redirect.js';
import { ageSeconds, formatAge, formatAgo, table } from '../format.js';
import { routesOf, type Target } from '../target.js';
import { listUnreadableLine, recipientListLine, recipientListStatus, rulesStuckLine, type RecipientListStatus } from '../recipient-list-status.js';
import { problemLines, scopeProblems, STACK_LABEL, STACK_SCOPE, type ScopeProblems } from '../problems-report.js';

export interface RouteStatus {
  route: string;
  primary: string;
  tls: string;
  status: PrimaryHealth['status'];
  since?: string;
  /** The last check the probe recorded (it records one at least every HEALTH_REFRESH_SECONDS, and every change at once). */
  lastCheckAt?: string;
  /** True when that check is older than the refresh plus three probe intervals: the probe has stopped. */
  probeStale?: boolean;
  latencyMs?: number;
  lastError?: string;
  /** The primary answers but refuses our AUTH credentials (shown instead of "down"). */
  authRefused?: boolean;
  /** After a refusal: when the probe next tries AUTH (it checks without AUTH until then). */
  nextAuthTryAt?: string;
  held: boolean;
  holdSince?: string;
  holdReason?: string;
  /** Maintenance windows not yet ended, by start; `current` marks the one on now (delivery held). */
  windows: { id: string; from: string; until: string; reason?: string; current: boolean }[];
  /**
   * The operator's redirect (`backup-mx redirect`): where the mail goes instead of `primary`, and
   * the health above is the target's. With `ignored`, a deploy changed the primary it replaced: not used.
   */
  redirect?: { to: string; since: string; tls: string; auth: boolean; replaces: string; reason?: string; ignored?: string };
  /** Messages the index lists as queued. */
  queued: number;
  /** Of those, the ones the operator holds (`hold --message`): the drain leaves them queued. */
  heldMessages: number;
  /** What SQS holds: visible, in flight (being delivered or deferred), delayed. */
  queue: { visible: number; inFlight: number; delayed: number };
  oldestAgeSeconds?: number;
  deadLettered: number;
  lastDoneAt?: string;
  /** The conditions the probe found on for the route (its RouteProblems alarm), or why they could not be read. */
  problems: ScopeProblems;
  /** The list the primary pushed (recipientSync): its size, version, when and from whom, the version whose rules are in place, and since when they are stuck. */
  recipientList?: RecipientListStatus;
}

export async function routeStatuses(target: Target, routeName?: string): Promise<RouteStatus[]> {
  const { operator } = target;
  const now = operator.now();
  return Promise.all(
    routesOf(target, routeName).map(async (route) => {
      const [health, hold, windows, redirect, queued, queue, dead, lastDone, problems, list] = await Promise.all([
        operator.primaryHealth(route.name),
        operator.routeHold(route.name),
        operator.hold.windows(route.name),
        operator.redirect.current(route),
        operator.listQueued(route.name),
        operator.queueDepth(route),
        operator.deadLetters(route.name),
        operator.lastDone(route.name),
        scopeProblems(operator.problemState, route.name),
        operator.recipientList(route.name),
      ]);
      const oldest = queued[0];
      const status: RouteStatus = {
        route: route.name,
        primary: `${route.primary.host}:${route.primary.port}`,
        tls: route.primary.tls,
        status: health?.status ?? 'unknown',
        held: hold !== undefined,
        windows: windows.map((w) => ({
          id: w.id,
          from: w.from.toISOString(),
          until: w.until.toISOString(),
          ...(w.reason ? { reason: w.reason } : {}),
          current: w.from.getTime() <= now.getTime(),
        })),
        queued: queued.length,
        heldMessages: queued.filter((q) => q.held).length,
        queue,
        deadLettered: dead.length,
        problems,
      };
      if (health) {
        status.since = health.since.toISOString();
        status.lastCheckAt = health.lastCheckAt.toISOString();
        if (ageSeconds(health.lastCheckAt, now) > probeStaleAfterSeconds(target.settings.probeIntervalSeconds)) status.probeStale = true;
        if (health.latencyMs !== undefined) status.latencyMs = health.latencyMs;
        if (health.lastError) status.lastError = health.lastError;
        if (health.status === 'down' && health.lastError?.startsWith(AUTH_REFUSED_PREFIX)) status.authRefused = true;
        if (health.status === 'down' && health.authRetryAt) status.nextAuthTryAt = health.authRetryAt.toISOString();
      }
      if (hold) {
        status.holdSince = hold.since.toISOString();
        if (hold.reason) status.holdReason = hold.reason;
      }
      if (redirect) {
        const r = redirect.redirect;
        status.redirect = {
          to: `${r.host}:${r.port}`,
          since: r.since.toISOString(),
          tls: r.tls,
          auth: r.auth,
          replaces: r.replaces,
          ...(r.reason ? { reason: r.reason } : {}),
          ...(redirect.applies ? {} : { ignored: IGNORED }),
        };
      }
      if (list) status.recipientList = recipientListStatus(list, now);
      if (oldest) status.oldestAgeSeconds = Math.round(ageSeconds(oldest.receivedAt, now));
      if (lastDone) status.lastDoneAt = lastDone.toISOString();
      return status;
    }),
  );
}

export async function statusCommand(target: Target, options: { json?: boolean; route?: string }, io: CliIo): Promise<number> {
  const [statuses, dlq, stack] = await Promise.all([routeStatuses(target, options.route), deadLetterQueueReport(target), scopeProblems(target.operator.problemState, STACK_SCOPE)]);
  if (options.json) {
    io.out(JSON.stringify(statuses, null, 2));
    if (dlq.warning) io.err(`warning: ${dlq.warning}`);
    return EXIT.ok;
  }
  const now = target.operator.now();
  const date = (iso?: string) => (iso ? new Date(iso) : undefined);
  io.out(`${target.label}`);
  io.out('');
  const rows = statuses.map((s) => [
    s.route,
    s.redirect && !s.redirect.ignored ? `-> ${s.redirect.to} (${s.redirect.tls}), redirected` : `${s.primary} (${s.tls})`,
    s.status === 'unknown'
      ? 'unknown (not probed yet)'
      : `${s.authRefused ? AUTH_REFUSED_PREFIX : s.status} for ${formatAge(ageSeconds(new Date(s.since!), now))}${nextAuthTry(s.nextAuthTryAt, now)}`,
    s.lastCheckAt ? lastProbe(s, now) : '-',
    heldCell(s, now),
    `${s.queued} (sqs ${s.queue.visible}+${s.queue.inFlight}+${s.queue.delayed})${s.heldMessages > 0 ? `, ${s.heldMessages} held` : ''}`,
    s.oldestAgeSeconds !== undefined ? formatAge(s.oldestAgeSeconds) : '-',
    String(s.deadLettered),
    formatAgo(date(s.lastDoneAt), now),
  ]);
  for (const line of table(['ROUTE', 'PRIMARY', 'STATE', 'LAST PROBE', 'HELD', 'QUEUED', 'OLDEST', 'DEAD', 'LAST FINISHED'], rows)) io.out(line);
  const windowLines = statuses.flatMap((s) => s.windows.map((w) => windowLine(s.route, w, now)));
  if (windowLines.length > 0) {
    io.out('');
    io.out('maintenance windows (nothing delivered inside one; "primary down" not raised; `release <route> --window <id>` cancels):');
    for (const line of windowLines) io.out(`  ${line}`);
  }
  const redirects = statuses.flatMap((s) => (s.redirect ? [redirectLine(s.route, s.redirect, now)] : []));
  if (redirects.length > 0) {
    io.out('');
    io.out('redirects (`backup-mx redirect <route> --clear` sends mail to the configured primary again; a deploy that changes the primary clears one):');
    for (const line of redirects) io.out(`  ${line}`);
  }
  for (const s of statuses) if (s.recipientList) io.out(recipientListLine(s.route, s.recipientList, now));
  io.out('');
  // One DLQ for every route: SQS redrive puts poison messages there with no record.
  io.out(dlq.summary);
  if (dlq.warning) io.out(`warning: ${dlq.warning}`);
  io.out('');
  // What the alarms fire on: the probe's conditions, per route and for the stack.
  // A probe that stopped also stopped evaluating the problems: its records below are as old as its last round.
  const stopped = statuses.filter((s) => s.probeStale).map((s) => probeStoppedLine(s, target.settings.probeIntervalSeconds, now));
  // A synced list whose rules stay pending: SES still refuses by the old one (the probe does not see this).
  const stuck = statuses.flatMap((s) =>
    s.recipientList ? [rulesStuckLine(s.route, s.recipientList, now, target.kind), listUnreadableLine(s.route, s.recipientList)].filter((l) => l !== undefined) : [],
  );
  const problems = [...stopped, ...statuses.flatMap((s) => problemLines(s.route, s.problems, now)), ...stuck, ...problemLines(STACK_LABEL, stack, now)];
  io.out(problems.length > 0 ? 'problems (README: Alarms):' : 'problems: none (the probe finds every condition off)');
  for (const line of problems) io.out(`  ${line}`);
  io.out('');
  io.out(`LAST PROBE: the last check the probe recorded and what it found (it probes every ${target.settings.probeIntervalSeconds} s and records a check at least every ${HEALTH_REFRESH_SECONDS} s, a change at once).`);
  io.out('QUEUED: messages the index lists (sqs visible+in flight+delayed); LAST FINISHED: delivered, bounced or dead-lettered.');
  if (statuses.some((s) => s.heldMessages > 0)) io.out('"N held": messages held one by one (`mailq --held` lists them; `backup-mx release --message <id>` lets one go).');
  return EXIT.ok;
}

/** "40s ago: up, 12 ms", "2m 0s ago: down (connect: ECONNREFUSED)"; "STOPPED?" when the probe has not recorded a check for too long. */
function lastProbe(s: RouteStatus, now: Date): string {
  const found =
    s.status === 'up' ? `up${s.latencyMs !== undefined ? `, ${s.latencyMs} ms` : ''}` : s.authRefused && s.lastError ? s.lastError : `${s.status}${s.lastError ? ` (${s.lastError})` : ''}`;
  return `${formatAgo(new Date(s.lastCheckAt!), now)}${s.probeStale ? ' (STOPPED?)' : ''}: ${found}`;
}

function probeStoppedLine(s: RouteStatus, intervalSeconds: number, now: Date): string {
  const age = formatAge(ageSeconds(new Date(s.lastCheckAt!), now));
  return (
    `${s.route}: probe stopped? no check recorded for ${age} (it probes every ${intervalSeconds} s and records a check at least every ${HEALTH_REFRESH_SECONDS} s): ` +
    'the state above is as of that check. Deployed: see the probe function\'s errors (its alarm fires on the missing RouteProblems); local: is `npm start` running?'
  );
}

/** ", next AUTH try in 3m 10s" (or "due": at the next probe round) while the probe waits out a refusal. */
function nextAuthTry(at: string | undefined, now: Date): string {
  if (!at) return '';
  const seconds = (new Date(at).getTime() - now.getTime()) / 1000;
  return seconds > 0 ? `, next AUTH try in ${formatAge(seconds)}` : ', next AUTH try due';
}

/** The HELD cell: the operator's hold, else the window on now, else "no". */
function heldCell(s: RouteStatus, now: Date): string {
  if (s.held) return `held ${formatAgo(s.holdSince ? new Date(s.holdSince) : undefined, now)}${s.holdReason ? `: ${s.holdReason}` : ''}`;
  const current = s.windows.find((w) => w.current);
  return current ? `window ${current.id}, ${formatAge(ageSeconds(now, new Date(current.until)))} left` : 'no';
}

/** "main  w1a2b3c  NOW  until 2026-…Z (1h 0m left): kernel", "main  w9z8y7x  from 2026-…Z until 2026-…Z (in 3h 0m)". */
function windowLine(route: string, w: RouteStatus['windows'][number], now: Date): string {
  const when = w.current
    ? `NOW until ${w.until} (${formatAge(ageSeconds(now, new Date(w.until)))} left)`
    : `from ${w.from} until ${w.until} (in ${formatAge(ageSeconds(now, new Date(w.from)))})`;
  return `${route} ${w.id} ${when}${w.reason ? `: ${w.reason}` : ''}`;
}

/** What status says of a redirect a deploy made stale (it is ignored). */
export const IGNORED = 'cleared by a deploy that changed the primary';

/** "main -> mx-new:25 (tls verify, no AUTH) instead of mail:25, since 5m ago: cut-over", or the same "IGNORED: cleared by a deploy…". */
function redirectLine(route: string, r: NonNullable<RouteStatus['redirect']>, now: Date): string {
  const what = `${route} -> ${describeTarget(r.to, r)} instead of ${r.replaces}, since ${formatAgo(new Date(r.since), now)}${r.reason ? `: ${r.reason}` : ''}`;
  return r.ignored ? `${what}; IGNORED: ${r.ignored} (\`backup-mx redirect ${route} --clear\` removes it)` : what;
}
