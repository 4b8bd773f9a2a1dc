// `backup-mx mailq`: the queue the way Postfix's mailq shows it — id, age,
// size, envelope sender, then each recipient with its state and last reply.
// `--dead` lists the dead letters instead (what `requeue` takes). Filters
// (--sender-domain, --older-than, ...: core/operator/message-filter.ts) list
// only the messages they select, with "N of M shown". `--shape` prints the
// queue's shape instead (mailq-shape.ts). A message the operator holds
// (`hold --message`) ends its line with [held: reason] (Postfix marks it with
// a `!` after the id, which would not paste back as an id); `--held` lists only those.
import type { CliIo } from '../cli-io.js';
import { deadLetterQueueReport } from '../dead-letter-report.js';
import type { DeadLetterRecord } from '../../lambdas/core/model.js';
import { describeFilter, type MessageFilter } from '../../lambdas/core/operator/message-filter.js';
import { EXIT, UsageError } from '../errors.js';
import { ageSeconds, formatAge, formatReplyText, formatSender, formatSize, formatTries, table } from '../format.js';
import { messageView, type MessageView } from '../message-view.js';
import { mailqShape } from './mailq-shape.js';
import { routesOf, type Target } from '../target.js';

export interface MailqOptions {
  json?: boolean;
  route?: string;
  dead?: boolean;
  /** Only what this selects (message-filter-options.ts). */
  filter?: MessageFilter;
  /** qshape's table instead of the list: `--shape` alone (true) or `--shape sender|recipient`. */
  shape?: true | string;
  /** Only the messages the operator holds (`hold --message`). */
  held?: boolean;
}

/** What a filter left of the list: "3 of 40 shown (sender domain example.org)". */
interface Shown {
  of: number;
  filter: MessageFilter;
}

export async function listQueue(target: Target, route?: string): Promise<MessageView[]> {
  const queued = await target.operator.queuedMessages(routesOf(target, route).map((r) => r.name));
  const now = target.operator.now();
  return queued.map((q) => messageView(q, now));
}

export async function mailqCommand(target: Target, options: MailqOptions, io: CliIo): Promise<number> {
  if (options.held && (options.dead || options.shape !== undefined)) throw new UsageError('--held: lists held queued messages; not with --dead or --shape');
  if (options.shape !== undefined) return mailqShape(target, { ...options, shape: options.shape }, io);
  if (options.dead) return deadLetters(target, options, io);
  const listed = await queuedViews(target, options);
  const { shown } = listed;
  const views = options.held ? listed.views.filter((v) => v.held) : listed.views;
  if (options.json) {
    io.out(JSON.stringify(views, null, 2));
    if (shown) io.err(shownLine(views.length, shown, 'queued message'));
    return EXIT.ok;
  }
  if (views.length === 0) {
    if (options.held) io.out(`No held message${shown ? ` matches ${describeFilter(shown.filter)}` : ''} (${listed.views.length} queued${shown ? ' matched' : ''})`);
    else io.out(shown ? `No queued message matches ${describeFilter(shown.filter)} (${shown.of} queued)` : 'Mail queue is empty');
    return EXIT.ok;
  }
  for (const view of views) {
    io.out(
      [view.id, view.route, formatAge(view.ageSeconds), formatSize(view.size), formatSender(view.sender), view.subject ? JSON.stringify(view.subject) : '', view.held ? `[held${view.held.reason ? `: ${view.held.reason}` : ''}]` : '']
        .join('  ')
        .trimEnd(),
    );
    const rows = view.recipients.map((r) => [
      `    ${r.address}`,
      r.state,
      formatTries(r.attempts),
      formatReplyText(r.lastReply),
    ]);
    for (const line of table(['', '', '', ''], rows).slice(1)) io.out(line);
    io.out('');
  }
  const recipients = views.reduce((n, v) => n + v.recipients.length, 0);
  const held = views.filter((v) => v.held).length;
  const heldNote = held > 0 ? `; ${held} held (not delivered until \`backup-mx release --message <id>\`)` : '';
  io.out(`-- ${views.length} message${views.length === 1 ? '' : 's'}, ${recipients} recipient${recipients === 1 ? '' : 's'}${heldNote}${shown ? `; ${shownLine(views.length, shown, 'queued message')}` : ''}`);
  return EXIT.ok;
}

async function queuedViews(target: Target, options: MailqOptions): Promise<{ views: MessageView[]; shown?: Shown }> {
  if (!options.filter) return { views: await listQueue(target, options.route) };
  const routes = routesOf(target, options.route).map((r) => r.name);
  const selection = await target.operator.select(options.filter, { routes, queued: true, dead: false });
  const now = target.operator.now();
  return { views: selection.matched.map((m) => messageView(m.queued!, now)), shown: { of: selection.total, filter: options.filter } };
}

/** "3 of 40 queued messages shown (sender domain example.org)" */
function shownLine(n: number, shown: Shown, noun: string): string {
  return `${n} of ${shown.of} ${noun}${shown.of === 1 ? '' : 's'} shown (${describeFilter(shown.filter)})`;
}

async function deadLetterRecords(target: Target, options: MailqOptions): Promise<{ records: DeadLetterRecord[]; shown?: Shown }> {
  const route = options.route === undefined ? undefined : routesOf(target, options.route)[0]!.name;
  if (!options.filter) return { records: await target.operator.deadLetters(route) };
  const selection = await target.operator.select(options.filter, { ...(route ? { routes: [route] } : {}), queued: false, dead: true });
  return { records: selection.matched.flatMap((m) => m.deadLetters), shown: { of: selection.total, filter: options.filter } };
}

async function deadLetters(target: Target, options: MailqOptions, io: CliIo): Promise<number> {
  const [{ records, shown }, dlq] = await Promise.all([deadLetterRecords(target, options), deadLetterQueueReport(target)]);
  if (options.json) {
    const json = records.map((r) => ({ id: r.messageId, route: r.route, reason: r.reason, detail: r.detail, at: r.at.toISOString(), objectKey: r.objectKey }));
    io.out(JSON.stringify(json, null, 2));
    if (shown) io.err(shownLine(new Set(records.map((r) => `${r.route}\n${r.messageId}`)).size, shown, 'dead-lettered message'));
    if (dlq.warning) io.err(`warning: ${dlq.warning}`);
    return EXIT.ok;
  }
  if (records.length === 0) {
    io.out(shown ? `No dead letter matches ${describeFilter(shown.filter)} (${shown.of} dead-lettered)` : 'No dead letters');
  } else {
    const now = target.operator.now();
    const rows = records.map((r) => [r.messageId, r.route ?? '-', formatAge(ageSeconds(r.at, now)), r.reason, r.detail]);
    for (const line of table(['ID', 'ROUTE', 'AGE', 'REASON', 'DETAIL'], rows)) io.out(line);
    const messages = new Set(records.map((r) => `${r.route}\n${r.messageId}`)).size;
    io.out(`-- ${records.length} dead letter${records.length === 1 ? '' : 's'}${shown ? `; ${shownLine(messages, shown, 'dead-lettered message')}` : ''}; put one back with \`backup-mx requeue <id>\``);
  }
  // The DLQ is shared by every route, so it is compared with every route's records.
  io.out(dlq.summary);
  if (dlq.warning) io.out(`warning: ${dlq.warning}`);
  return EXIT.ok;
}
