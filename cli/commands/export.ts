// `backup-mx export --route R (--mbox FILE | --maildir DIR)`: the emergency
// read. Writes the route's messages, bytes as stored, to a mailbox any mail
// client opens while the primary is down (see core/operator/export-messages.ts).
import { MailboxExistsError, type MailboxWriter } from '../../lambdas/core/operator/ports.js';
import type { CliIo } from '../cli-io.js';
import { EXIT, UsageError } from '../errors.js';
import { formatSize } from '../format.js';
import { routeOf, type Target } from '../target.js';
import { parseTimeArg } from '../time-arg.js';

export interface ExportOptions {
  route?: string;
  since?: string;
  state?: string;
  mbox?: string;
  maildir?: string;
  json?: boolean;
}

export async function exportCommand(target: Target, options: ExportOptions, io: CliIo): Promise<number> {
  if (!options.route) throw new UsageError('export needs --route <name>');
  if (Boolean(options.mbox) === Boolean(options.maildir)) throw new UsageError('export needs exactly one of --mbox <file> or --maildir <dir>');
  const state = options.state ?? 'queued';
  if (state !== 'queued' && state !== 'all') throw new UsageError(`--state: expected "queued" or "all", got ${JSON.stringify(state)}`);
  const route = routeOf(target, options.route);
  const exporter = target.operator.export;
  const since = options.since ? parseTimeArg('--since', options.since, target.operator.now()) : undefined;
  const items = await exporter.select(route, { state, ...(since ? { since } : {}) });
  let writer: MailboxWriter;
  try {
    writer = await exporter.open(options.mbox ? { mbox: options.mbox } : { maildir: options.maildir! });
  } catch (error) {
    if (error instanceof MailboxExistsError) throw new UsageError(`${error.path} exists: export writes a new mbox file; choose another name`);
    throw error;
  }
  const where = options.mbox ? `mbox ${options.mbox}` : `Maildir ${options.maildir}`;
  io.err(`export: ${items.length} message${items.length === 1 ? '' : 's'} of route ${route.name} (${state}) to ${where}`);
  let shown = Date.now();
  const result = await exporter.run(items, writer, (done, total, bytes) => {
    if (done === total || Date.now() - shown >= 1_000) {
      shown = Date.now();
      io.err(`export: ${done}/${total} (${formatSize(bytes)})`);
    }
  });
  for (const id of result.missing) io.err(`export: ${id}: raw message gone from the bucket, skipped`);
  if (options.json) {
    io.out(JSON.stringify({ route: route.name, state, ...(options.mbox ? { mbox: options.mbox } : { maildir: options.maildir }), written: result.written, bytes: result.bytes, missing: result.missing, ids: items.filter((i) => !result.missing.includes(i.messageId)).map((i) => i.messageId) }, null, 2));
  } else {
    io.out(`wrote ${result.written} message${result.written === 1 ? '' : 's'} (${formatSize(result.bytes)}) to ${where}${result.missing.length ? `; ${result.missing.length} gone from the bucket` : ''}`);
  }
  return EXIT.ok;
}
