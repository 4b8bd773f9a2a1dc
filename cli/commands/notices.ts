// `backup-mx notices`: bounce notices (DSNs) and delay warnings held for the
// operator, because a route's hourly budget (dsnPerHour) was spent or SES
// sending was paused by the reputation alarm. List them; send them (as built,
// outside the budget); discard them (their senders are never told); resume
// the notices' SES configuration set after its automatic pause (refused while
// its reputation alarm is still in ALARM, unless --force). The verbs are
// the engine's (core/operator/held-notices-admin.ts): this file parses and prints.
import type { Command } from 'commander';
import type { NoticeSelection } from '../../lambdas/core/operator/held-notices-admin.js';
import type { HeldNoticeSummary } from '../../lambdas/core/outcome/notice-ports.js';
import { ALARM_RECHECK_MINUTES } from '../../lambdas/core/outcome/pause-notices.js';
import type { CliIo } from '../cli-io.js';
import type { Run } from '../command-runner.js';
import { EXIT, UsageError } from '../errors.js';
import { formatAgo, table } from '../format.js';
import { routesOf, type Target } from '../target.js';


interface SelectOptions {
  all?: boolean;
  route?: string;
  yes?: boolean;
}

export async function noticesListCommand(target: Target, options: { route?: string; json?: boolean }, io: CliIo): Promise<number> {
  const overview = await target.engine.heldNotices().overview(routesOf(target, options.route));
  if (options.json) {
    io.out(JSON.stringify(overview, null, 2));
    return EXIT.ok;
  }
  const now = target.operator.now();
  if (overview.sending) {
    io.out(
      overview.sending.enabled
        ? `SES configuration set ${overview.sending.name}: sending enabled`
        : `SES configuration set ${overview.sending.name}: SENDING PAUSED by its reputation alarm; notices are held. Look at why they bounced, then \`backup-mx notices resume\``,
    );
  }
  for (const route of overview.routes) {
    const used = route.usedThisHour === undefined ? '' : `, ${route.usedThisHour} sent this hour`;
    io.out(`route ${route.route}: ${route.held.length} held, budget ${route.perHour} an hour${used}`);
    if (route.held.length === 0) continue;
    const rows = route.held.map((n) => [n.messageId, n.kind === 'dsn' ? 'bounce' : 'delay', `<${n.to}>`, n.recipients.map((r) => `<${r}>`).join(', '), n.why, formatAgo(n.at, now)]);
    for (const line of table(['  ID', 'KIND', 'TO', 'ABOUT', 'WHY', 'HELD'], rows.map(([id, ...rest]) => [`  ${id}`, ...rest]))) io.out(line);
  }
  return EXIT.ok;
}

export async function noticesSendCommand(target: Target, ids: string[], options: SelectOptions, io: CliIo): Promise<number> {
  const selection = selectionOf(ids, options);
  const report = await target.engine.heldNotices().send(routesOf(target, options.route), selection);
  for (const notice of report.sent) io.out(`sent ${describe(notice)}`);
  for (const { notice, why } of report.left) io.err(`still held ${describe(notice)}: ${why}`);
  if (report.sent.length === 0 && report.left.length === 0) io.out('no held notice matches');
  else io.out(`${report.sent.length} sent, ${report.left.length} still held`);
  return report.left.length > 0 ? EXIT.failed : EXIT.ok;
}

export async function noticesDiscardCommand(target: Target, ids: string[], options: SelectOptions, io: CliIo): Promise<number> {
  const selection = selectionOf(ids, options);
  if (!options.yes) {
    if (!io.interactive) throw new UsageError('refusing to discard without confirmation: no terminal to ask; pass --yes');
    const what = 'all' in selection ? `every held notice${options.route ? ` of route ${options.route}` : ''}` : `the held notices of ${selection.messageIds.join(', ')}`;
    if (!(await io.confirm(`Discard ${what}? Their senders will never be told.`))) {
      io.out('nothing discarded');
      return EXIT.ok;
    }
  }
  const discarded = await target.engine.heldNotices().discard(routesOf(target, options.route), selection);
  for (const notice of discarded) io.out(`discarded ${describe(notice)}`);
  io.out(discarded.length === 0 ? 'no held notice matches' : `${discarded.length} discarded`);
  return EXIT.ok;
}

export async function noticesResumeCommand(target: Target, options: { force?: boolean }, io: CliIo): Promise<number> {
  const result = await target.engine.heldNotices().resume({ force: options.force === true });
  const again = `while an alarm stays in ALARM, its check every ${ALARM_RECHECK_MINUTES} minutes pauses sending again`;
  switch (result.kind) {
    case 'not-paused':
      io.out('sending through the notices\' configuration set was not paused');
      return EXIT.ok;
    case 'refused':
      io.err(
        `not resumed: the reputation alarm ${result.firing.join(' and ')} is in ALARM, so the notices' bounce or complaint rate is still above the line ` +
          `(SES's rates are rolling: they fall as the bounces age), and ${again}. Find out why they bounced (\`backup-mx notices\`, the SES console's ` +
          'reputation page), discard notices to addresses that cannot exist, and resume once the alarm is OK; or pass --force to resume now anyway',
      );
      return EXIT.failed;
    case 'unchecked':
      io.err('not resumed: this stack names no reputation alarms (output NoticeAlarmNames; deployed by an earlier version), so whether they are in ALARM cannot be checked: deploy this version, or pass --force to resume without checking');
      return EXIT.failed;
    case 'resumed':
      if (result.firing.length > 0) io.err(`resumed although ${result.firing.join(' and ')} is in ALARM (--force): ${again}`);
      io.out('SES sends through the notices\' configuration set again. Held notices stay held: `backup-mx notices send --all` sends them.');
      return EXIT.ok;
  }
}

function selectionOf(ids: string[], options: SelectOptions): NoticeSelection {
  if (options.all && ids.length > 0) throw new UsageError('give message ids or --all, not both');
  if (options.all) return { all: true };
  if (ids.length === 0) throw new UsageError('name the messages whose notices to act on (as `backup-mx notices` lists them), or pass --all');
  return { messageIds: ids };
}

const describe = (n: HeldNoticeSummary) => `${n.kind === 'dsn' ? 'bounce notice' : 'delay warning'} for ${n.messageId} (route ${n.route}) to <${n.to}>`;

export function registerNoticesCommand(program: Command, run: Run, io: CliIo): void {
  const notices = program
    .command('notices')
    .description('bounce notices (DSNs) and delay warnings held because a route\'s hourly budget (dsnPerHour) was spent or SES sending was paused: list, send, discard; resume sending after the automatic pause');
  notices
    .command('list', { isDefault: true })
    .description('list held notices per route, the hour\'s use of the budget, and whether SES sending is paused (the default)')
    .option('--route <name>', 'only this route')
    .option('--json', 'machine-readable output')
    .action(run((t, opts) => noticesListCommand(t, opts, io)));
  notices
    .command('send')
    .argument('[id...]', 'message ids whose held notices to send')
    .description('send held notices now, as they were built (outside the hourly budget: you decided); stops if SES sending is paused')
    .option('--all', 'every held notice (of --route, if given)')
    .option('--route <name>', 'only this route')
    .action(run((t, ids, opts) => noticesSendCommand(t, ids, opts, io)));
  notices
    .command('discard')
    .argument('[id...]', 'message ids whose held notices to discard')
    .description('forget held notices: their senders are never told (the ledger and `show` say so); asks first')
    .option('--all', 'every held notice (of --route, if given)')
    .option('--route <name>', 'only this route')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(run((t, ids, opts) => noticesDiscardCommand(t, ids, opts, io)));
  notices
    .command('resume')
    .description('let SES send through the notices\' configuration set again after its reputation alarm paused it (never touches the account); refused while that alarm is still in ALARM')
    .option('--force', `resume even while a reputation alarm is in ALARM (its check pauses again within ${ALARM_RECHECK_MINUTES} minutes while it stays there)`)
    .action(run((t, opts) => noticesResumeCommand(t, opts, io)));
}
