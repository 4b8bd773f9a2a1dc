// The console's actions on one message: requeue (a dead letter), delete,
// forward. Each runs the operator's use case (target.operator.requeue, .delete,
// .forward) as the CLI verb does and reports with its words (message-action-lines.ts).
import type { Deleted } from '../../../lambdas/core/operator/delete-message.js';
import { detailState } from '../../../lambdas/core/operator/message-details.js';
import { ForwardRefusedError, forwardAddress } from '../../../lambdas/core/operator/forward-message.js';
import { messageDetails } from '../../commands/show.js';
import { printCopyCleanup } from '../../dead-letter-cleanup.js';
import { CliError, EXIT, UnknownMessageError, UsageError } from '../../errors.js';
import { formatSender } from '../../format.js';
import { deletedLine, forwardedLine, notRecordedLine, operatorName, printRequeueAfter, refusalText, requeuedLine } from '../../message-action-lines.js';
import { forgetLocally } from '../../spool-forget.js';
import { routeOf, type Target } from '../../target.js';
import { listSome } from '../../../local/words.js';
import { html, type Html } from '../html.js';
import { consoleHref } from '../paths.js';
import { field, lineCollector, required, result, type ActionFields, type ConsoleAction } from './action-fields.js';

/** A message's copies as `show` reads them, for the confirmation's details. */
export async function messageSummary(target: Target, fields: ActionFields): Promise<{ details: Html; fields: Record<string, string>; id: string }> {
  const id = required(fields, 'id');
  const route = field(fields, 'route');
  const copies = await messageDetails(target, id, route);
  const details = html`<dl class="subject">${copies.map(
    (d) => html`<dt>${d.id}</dt><dd>route ${d.route} (${detailState(d)}${d.held ? ', held' : ''}): from ${formatSender(d.sender ?? '?')} to ${listSome(d.recipients.map((r) => r.address))}${
      d.subject ? html`, “${d.subject}”` : ''
    }${d.deadLetter ? html`<br><span class="muted">dead letter: ${d.deadLetter.reason}: ${d.deadLetter.detail}</span>` : ''}</dd>`,
  )}</dl>`;
  return { details, id, fields: { id, ...(route !== undefined ? { route } : {}) } };
}

/** `route`, when given, checked against the configuration. */
export function routeName(target: Target, fields: ActionFields): string | undefined {
  const route = field(fields, 'route');
  return route === undefined ? undefined : routeOf(target, route).name;
}

export const MESSAGE_ACTIONS: [string, ConsoleAction][] = [
  [
    'requeue',
    {
      fields: ['id', 'route'],
      back: '/queue',
      async confirm(target, fields) {
        const m = await messageSummary(target, fields);
        return { question: `Requeue dead letter ${m.id}?`, details: m.details, button: 'Requeue', fields: m.fields };
      },
      async run(target, fields) {
        const id = required(fields, 'id');
        const route = routeName(target, fields);
        const found = await target.operator.requeue.find(id, route);
        if ('queued' in found) throw new CliError(`message ${id} is not dead-lettered (it is ${found.queued.state} on route ${found.queued.route}): nothing to requeue`, EXIT.usage);
        if (!('records' in found)) throw new UnknownMessageError(id, `among the dead letters of the ${target.label}`);
        const out = lineCollector();
        let failed = 0;
        const report = await target.operator.requeue.run(found.records, {}, (r) => {
          if ('refused' in r || 'failed' in r) {
            failed += 1;
            out.lines.push(`${r.record.messageId}: ${'refused' in r ? refusalText(r.record, r.refused) : `failed: ${r.failed.message}`}`);
          } else {
            out.lines.push(requeuedLine(r));
          }
        });
        printRequeueAfter(report, out.io);
        return result(out.lines, failed === 0);
      },
    },
  ],
  [
    'delete',
    {
      fields: ['id', 'route'],
      back: '/queue',
      async confirm(target, fields) {
        const m = await messageSummary(target, fields);
        return { question: `Delete message ${m.id} for good? It will not be delivered.`, details: m.details, button: 'Delete for good', fields: m.fields };
      },
      // As `delete <id> --yes` (the confirmation page was its question): every copy, the local spool entry, then the DLQ copies.
      async run(target, fields) {
        const id = required(fields, 'id');
        const route = routeName(target, fields);
        const details = await messageDetails(target, id, route);
        const out = lineCollector();
        const deleted: Deleted[] = [];
        for (const detail of details) {
          const done = await target.operator.delete.delete(detail);
          out.lines.push(deletedLine(detail, done));
          deleted.push(done);
        }
        out.lines.push((await forgetLocally(target, id, route === undefined ? undefined : details.map((d) => d.route))) ?? '');
        const cleanup = await target.operator.delete.removeCopies(deleted, details.some((d) => d.deadLetter !== undefined));
        if (cleanup) printCopyCleanup(cleanup, out.io);
        return result(out.lines);
      },
    },
  ],
  [
    'forward',
    {
      fields: ['id', 'route', 'to'],
      back: '/queue',
      ask(fields) {
        if (field(fields, 'to') !== undefined) return undefined;
        const route = field(fields, 'route');
        return html`<form class="forward" method="get" action="${consoleHref('/confirm/forward')}">
<input type="hidden" name="id" value="${fields.id ?? ''}">${route !== undefined ? html`<input type="hidden" name="route" value="${route}">` : ''}
<label>Forward message ${fields.id ?? ''} to <input type="email" name="to" placeholder="ceo@example.org" required></label>
<button type="submit">Next…</button> <a href="${consoleHref('/queue')}">Cancel</a>
</form>`;
      },
      async confirm(target, fields) {
        let to: string;
        try {
          to = forwardAddress(required(fields, 'to'));
        } catch (error) {
          if (error instanceof ForwardRefusedError) throw new UsageError(error.message);
          throw error;
        }
        const m = await messageSummary(target, fields);
        return {
          question: `Forward message ${m.id} to ${to}?`,
          details: html`${m.details}<p>A new message from the backup MX with the original attached unchanged${
            target.kind === 'local' ? ', written to the local outbox (a local run sends no mail)' : ', sent through SES'
          }. The message stays queued for its primary.</p>`,
          button: `Forward to ${to}`,
          fields: { ...m.fields, to },
        };
      },
      async run(target, fields) {
        // A message matched by two routes is stored once per route, the same bytes: one forward.
        const [detail] = await messageDetails(target, required(fields, 'id'), routeName(target, fields));
        try {
          const done = await target.operator.forward.forward(detail!, required(fields, 'to'), operatorName());
          return result([forwardedLine(target, detail!, done), done.notRecorded !== undefined ? notRecordedLine(done.notRecorded) : undefined]);
        } catch (error) {
          if (!(error instanceof ForwardRefusedError)) throw error;
          throw new CliError(error.message, EXIT.failed);
        }
      },
    },
  ],
];
