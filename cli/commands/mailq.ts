// `backup-mx mailq`: the queue the way Postfix's mailq shows it — id, age,
// size, envelope sender, then each recipient with its state and last reply.
// `--dead` lists the dead letters instead (what `requeue` takes).
import type { CliIo } from '../cli-io.js';
import { deadLetterQueueReport } from '../dead-letter-report.js';
import { EXIT } from '../errors.js';
import { ageSeconds, formatAge, formatReplyText, formatSender, formatSize, formatTries, table } from '../format.js';
import { messageView, type MessageView } from '../message-view.js';
import { routesOf, type Target } from '../target.js';

export interface MailqOptions {
  json?: boolean;
  route?: string;
  dead?: boolean;
}

export async function listQueue(target: Target, route?: string): Promise<MessageView[]> {
  const queued = await target.operator.queuedMessages(routesOf(target, route).map((r) => r.name));
  const now = target.operator.now();
  return queued.map((q) => messageView(q, now));
}

export async function mailqCommand(target: Target, options: MailqOptions, io: CliIo): Promise<number> {
  if (options.dead) return deadLetters(target, options, io);
  const views = await listQueue(target, options.route);
  if (options.json) {
    io.out(JSON.stringify(views, null, 2));
    return EXIT.ok;
  }
  if (views.length === 0) {
    io.out('Mail queue is empty');
    return EXIT.ok;
  }
  for (const view of views) {
    io.out(
      [view.id, view.route, formatAge(view.ageSeconds), formatSize(view.size), formatSender(view.sender), view.subject ? JSON.stringify(view.subject) : '']
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
  io.out(`-- ${views.length} message${views.length === 1 ? '' : 's'}, ${recipients} recipient${recipients === 1 ? '' : 's'}`);
  return EXIT.ok;
}

async function deadLetters(target: Target, options: MailqOptions, io: CliIo): Promise<number> {
  const [records, dlq] = await Promise.all([
    target.operator.deadLetters(options.route === undefined ? undefined : routesOf(target, options.route)[0]!.name),
    deadLetterQueueReport(target),
  ]);
  if (options.json) {
    const json = records.map((r) => ({ id: r.messageId, route: r.route, reason: r.reason, detail: r.detail, at: r.at.toISOString(), objectKey: r.objectKey }));
    io.out(JSON.stringify(json, null, 2));
    if (dlq.warning) io.err(`warning: ${dlq.warning}`);
    return EXIT.ok;
  }
  if (records.length === 0) {
    io.out('No dead letters');
  } else {
    const now = target.operator.now();
    const rows = records.map((r) => [r.messageId, r.route ?? '-', formatAge(ageSeconds(r.at, now)), r.reason, r.detail]);
    for (const line of table(['ID', 'ROUTE', 'AGE', 'REASON', 'DETAIL'], rows)) io.out(line);
    io.out(`-- ${records.length} dead letter${records.length === 1 ? '' : 's'}; put one back with \`backup-mx requeue <id>\``);
  }
  // The DLQ is shared by every route, so it is compared with every route's records.
  io.out(dlq.summary);
  if (dlq.warning) io.out(`warning: ${dlq.warning}`);
  return EXIT.ok;
}
