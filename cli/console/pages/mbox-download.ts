// Downloads as an mbox, written by the mbox writer `export` uses
// (target.operator.export with an mbox stream: the bytes as stored, under the
// mboxrd ">From " quoting) straight into the HTTP response, nothing on disk:
// `/message/mbox?id=…` one message, `/queue/mbox?<filter>` the queue page's
// selection (the same filter code as the list), up to SELECTION_MAX messages.
import type { Writable } from 'node:stream';
import type { ExportItem } from '../../../lambdas/core/operator/export-messages.js';
import type { SelectedMessage } from '../../../lambdas/core/operator/select-messages.js';
import type { Target } from '../../target.js';
import { html, page } from '../html.js';
import { consoleHref } from '../paths.js';
import { isDownload, storedCopy, type Download } from './message-raw.js';
import { filterSearch, isQueryError, queueQuery, selectQueue } from './queue.js';
import { SELECTION_MAX } from './selection-max.js';

export const MBOX_TYPE = 'application/mbox';


/** A download written into the response as it is read (no length known in advance). */
export interface StreamedDownload {
  status: 200;
  type: string;
  headers: Record<string, string>;
  stream(out: Writable): Promise<void>;
}

/** `attachment; filename="…"` with the name reduced to safe characters: no quote or line break reaches the header. */
const attachment = (name: string) => `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}"`;

function mbox(target: Target, items: ExportItem[], filename: string): StreamedDownload {
  return {
    status: 200,
    type: MBOX_TYPE,
    headers: { 'Content-Disposition': attachment(filename) },
    async stream(out) {
      const writer = await target.operator.export.open({ mboxStream: out });
      await target.operator.export.run(items, writer);
    },
  };
}

/** What export writes for a selected message: its envelope sender, its time (the From line), its object. */
function item(m: { id: string; sender: string; receivedAt: Date; objectKey: string }): ExportItem {
  return { messageId: m.id, sender: m.sender, receivedAt: m.receivedAt, objectKey: m.objectKey, state: 'queued' };
}

export async function messageMbox(target: Target, params: URLSearchParams): Promise<Download | StreamedDownload> {
  const stored = await storedCopy(target, params);
  if (isDownload(stored)) return stored;
  const receivedAt = stored.receivedAt ? new Date(stored.receivedAt) : target.operator.now();
  return mbox(target, [item({ id: stored.id, sender: stored.sender ?? '', receivedAt, objectKey: stored.objectKey })], `${stored.id}.mbox`);
}

export async function queueMbox(target: Target, params: URLSearchParams): Promise<Download | StreamedDownload> {
  const refused = (status: number, message: string): Download => ({
    status,
    type: 'text/html; charset=utf-8',
    body: page('Queue', 'queue', target.label, html`<h1>Download as mbox</h1><p class="error" role="alert">${message}</p><p><a href="${consoleHref(`/queue?${filterSearch(params)}`)}">back to the queue</a></p>`),
  });
  let matched: SelectedMessage[];
  try {
    matched = (await selectQueue(target, queueQuery(params))).selection.matched;
  } catch (error) {
    if (!isQueryError(error)) throw error;
    return refused(400, error.message.replace(/^--/, ''));
  }
  if (matched.length > SELECTION_MAX) {
    return refused(
      413,
      `${matched.length} messages are selected: a download from the console holds at most ${SELECTION_MAX}. Narrow the filter (route, sender, older than, …), or write them all with \`backup-mx export --route <name> --mbox <file>\`.`,
    );
  }
  // One entry per stored object: a message on two routes, or a replay and its original, is the same bytes once.
  const items = new Map<string, ExportItem>();
  for (const m of matched) if (!items.has(m.objectKey)) items.set(m.objectKey, item({ ...m, receivedAt: m.receivedAt ?? target.operator.now() }));
  const stamp = target.operator.now().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return mbox(target, [...items.values()], `backup-mx-${params.get('route')?.trim() || 'queue'}-${stamp}.mbox`);
}
