// `backup-mx hold <route>` / `release <route>`: stop delivery to a primary even
// when it is up (maintenance, migration), and resume. Mail keeps being
// accepted and queued; the drain and the probe respect the hold
// (core/operator/hold-route.ts, which also waits out a running drain's cache).
// With `--from`/`--until`, hold schedules a maintenance window instead, which
// ends by itself; `release <route> --window <id>` cancels one. With
// `--message <id>` or filters, they hold (release) single messages instead,
// while the rest of the route flows (hold-messages.ts).
import type { CliIo } from '../cli-io.js';
import { WindowRefusedError, type MaintenanceWindow } from '../../lambdas/core/probe/maintenance-windows.js';
import { EXIT, UsageError } from '../errors.js';
import { alreadyHeldLine, cancelledLine, heldLine, inFlightLine, insideWindowLine, releasedLine, resumeAfterWindowLine, resumeLine, scheduledLines } from '../route-action-lines.js';
import { routeOf, type Target } from '../target.js';
import { parseTimeArg } from '../time-arg.js';
import { flushCommand } from './flush.js';
import { holdMessagesCommand, type HoldMessagesOptions } from './hold-messages.js';

export interface HoldOptions extends HoldMessagesOptions {
  reason?: string;
  from?: string;
  until?: string;
}

export interface ReleaseOptions extends HoldMessagesOptions {
  flush?: boolean;
  window?: string;
}

/** By message (--message, filters) or the whole route; which one is never guessed. */
function byMessage(options: HoldMessagesOptions, verb: 'hold' | 'release', routeOnly: [string, unknown][]): boolean {
  const messages = options.message !== undefined || options.filter !== undefined;
  if (!messages && (options.dryRun || options.yes)) throw new UsageError(`--dry-run and --yes go with --message or filters (\`${verb} <route>\` alone acts on the route at once)`);
  if (messages) {
    const clash = routeOnly.find(([, value]) => value !== undefined && value !== false);
    if (clash) throw new UsageError(`${clash[0]}: not with --message or filters (it is for a whole route)`);
  }
  return messages;
}

export async function holdCommand(target: Target, route: string | undefined, options: HoldOptions, io: CliIo): Promise<number> {
  if (byMessage(options, 'hold', [['--from', options.from], ['--until', options.until]])) return holdMessagesCommand(target, 'hold', route, options, io);
  if (route === undefined) throw new UsageError('give the route to hold, or --message <id> / filters (--sender, --older-than, ...) to hold messages (see `backup-mx help hold`)');
  if (options.from !== undefined || options.until !== undefined) return scheduleWindow(target, route, options, io);
  const now = () => target.operator.now();
  const result = await target.operator.hold.hold(routeOf(target, route), options.reason, (seconds) => io.out(`waiting ${seconds} s for a running drain to see the hold...`));
  if ('already' in result) {
    io.out(alreadyHeldLine(route, result.already, now()));
    return EXIT.ok;
  }
  const { inFlight } = result;
  const flying = inFlightLine(inFlight);
  if (flying) io.out(flying);
  io.out(heldLine(route));
  return EXIT.ok;
}

export async function releaseCommand(target: Target, route: string | undefined, options: ReleaseOptions, io: CliIo): Promise<number> {
  if (byMessage(options, 'release', [['--window', options.window]])) return holdMessagesCommand(target, 'release', route, options, io);
  if (route === undefined) throw new UsageError('give the route to release, or --message <id> / filters (--sender, --older-than, ...) to release held messages (see `backup-mx help release`)');
  if (options.window !== undefined) return cancelWindow(target, route, options.window, options, io);
  const released = await target.operator.hold.release(routeOf(target, route));
  io.out(releasedLine(route, released, target.operator.now()));
  // A hint only: a windows read that fails must not turn a done release into an error.
  const inside = await insideWindowLine(target, route);
  if (inside) io.out(inside);
  if (options.flush) return flushCommand(target, route, {}, io);
  io.out(resumeLine(route, target.settings.probeIntervalSeconds));
  return EXIT.ok;
}

/** `hold <route> --from … --until …`: one more window (the route may have several). */
async function scheduleWindow(target: Target, route: string, options: HoldOptions, io: CliIo): Promise<number> {
  if (options.until === undefined) throw new UsageError('--until: required with --from (a window ends by itself); e.g. --until +2h');
  const now = target.operator.now();
  const from = options.from !== undefined ? parseTimeArg('--from', options.from, now) : undefined;
  const until = parseTimeArg('--until', options.until, now);
  // "2h" is an age (2 hours ago) for the other verbs: say so rather than "in the past".
  for (const [flag, value, at] of [['--from', options.from, from], ['--until', options.until, until]] as const) {
    if (value !== undefined && at && at < now && /^\d/.test(value.trim()) && !/^\d{4}-/.test(value.trim())) {
      throw new UsageError(`${flag}: "${value}" means ${value} ago; write +${value.trim()} for ${value.trim()} from now`);
    }
  }
  let scheduled: { window: MaintenanceWindow; inFlight: number };
  try {
    scheduled = await target.operator.hold.schedule(
      routeOf(target, route),
      { ...(from ? { from } : {}), until, ...(options.reason ? { reason: options.reason } : {}) },
      target.settings.queueLifetimeSeconds,
      (seconds) => io.out(`waiting ${seconds} s for a running drain to see the window...`),
    );
  } catch (error) {
    if (error instanceof WindowRefusedError) throw new UsageError(error.message);
    throw error;
  }
  const { window, inFlight } = scheduled;
  const flying = inFlightLine(inFlight);
  if (flying) io.out(flying);
  for (const line of scheduledLines(route, window, target.settings.probeIntervalSeconds)) io.out(line);
  return EXIT.ok;
}

/** `release <route> --window <id>`: cancels one window (one that is on ends now). */
async function cancelWindow(target: Target, route: string, id: string, options: { flush?: boolean }, io: CliIo): Promise<number> {
  const cancelled = await target.operator.hold.cancelWindow(routeOf(target, route), id);
  if (!cancelled) {
    const ids = (await target.operator.hold.windows(route)).map((w) => w.id);
    throw new UsageError(`--window: route ${route} has no maintenance window ${id} (${ids.length > 0 ? `its windows: ${ids.join(', ')}` : 'it has none'}; see \`backup-mx status\`)`);
  }
  const wasOn = cancelled.from <= target.operator.now();
  io.out(cancelledLine(route, cancelled, wasOn));
  if (!wasOn) return EXIT.ok;
  if (options.flush) return flushCommand(target, route, {}, io);
  io.out(resumeAfterWindowLine(route, target.settings.probeIntervalSeconds));
  return EXIT.ok;
}
