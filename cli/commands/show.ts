// `backup-mx show <id>`: everything known about one message — envelope, key
// headers, SES verdicts, each recipient's state, dead-letter record, and the
// full attempt history. A message matched by two routes is shown per route.
import { routePrefix } from '../../lambdas/config/mail-layout.js';
import type { AttemptRecord, DeadLetterRecord, InboundMessage } from '../../lambdas/core/model.js';
import type { MessageSummary } from '../../lambdas/core/accept/ports.js';
import { originalMessageId } from '../../lambdas/core/operator/replay-messages.js';
import type { CliIo } from '../cli-io.js';
import { CliError, EXIT, UnknownMessageError } from '../errors.js';
import { notFoundDetail } from '../id-prefix.js';
import { formatAgo, formatReplyText, formatSender, formatSize, formatTries, table } from '../format.js';
import { mergeCopies, mergeDeadCopies } from '../message-copies.js';
import { readStoredHead, type StoredHead } from '../message-headers.js';
import { recipientViews, type RecipientView } from '../message-view.js';
import type { Target } from '../target.js';

export interface MessageDetail {
  id: string;
  route: string;
  /** queued / done from the index; 'dead-letter' when only a dead-letter record knows it. */
  state: MessageSummary['state'] | 'dead-letter';
  receivedAt?: string;
  size?: number;
  sender?: string;
  subject?: string;
  objectKey: string;
  /** False when the raw message is no longer in the bucket. */
  stored: boolean;
  headers: StoredHead['headers'];
  verdicts: Record<string, string>;
  recipients: RecipientView[];
  deadLetter?: { reason: string; detail: string; at: string };
  /** The one delay warning (RFC 3464 action=delayed) sent to the sender, if any. */
  delayWarning?: { at: string; recipients: string[] };
  attempts: (Omit<AttemptRecord, 'at' | 'messageId'> & { at: string })[];
}

/** Every route's copy of the message (or only `route`'s); throws UnknownMessageError when none. */
export async function messageDetails(target: Target, id: string, route?: string): Promise<MessageDetail[]> {
  const { deps } = target.engine;
  const onRoute = <T extends { route?: string }>(list: T[]) => list.filter((x) => route === undefined || x.route === route);
  const [summaries, deads] = await Promise.all([deps.index.find(id).then(onRoute), deps.deadLetters.find(id).then(onRoute)]);
  const routes = [...new Set([...summaries.map((s) => s.route), ...deads.map((d) => d.route ?? '')])];
  if (routes.length === 0) {
    throw new UnknownMessageError(id, notFoundDetail(target, id, route));
  }
  const [outcomes, attempts] = await Promise.all([deps.ledger.outcomes(id), deps.ledger.attempts(id)]);
  return Promise.all(
    routes.map(async (name) => {
      // Every copy of the message on the route (split receipt rules) counts: one detail with all their recipients.
      const summary = mergeCopies(summaries.filter((s) => s.route === name))[0];
      const routeDeads = deads.filter((d) => (d.route ?? '') === name);
      const dead = mergeDeadCopies(routeDeads);
      const notified = parseQuietly(target, dead);
      const deadRecipients = routeDeads.flatMap((d) => parseQuietly(target, d)?.recipients ?? []);
      const recipients = [...new Set([...(summary?.recipients ?? []), ...deadRecipients])];
      // A replay shares the raw object of the message it replays.
      const objectKey = dead?.objectKey ?? notified?.objectKey ?? objectKeyNamedIn(dead) ?? `${routePrefix(name)}${originalMessageId(id)}`;
      const head = await readStoredHead(deps.store, objectKey);
      const detail: MessageDetail = {
        id,
        route: name,
        state: summary?.state ?? 'dead-letter',
        objectKey,
        stored: head !== undefined,
        headers: head?.headers ?? [],
        // The notification's verdicts are SES's own; the stored headers are the fallback.
        verdicts: notified ? { ...notified.verdicts } : (head?.verdicts ?? {}),
        recipients: recipientViews(recipients, outcomes),
        attempts: attempts
          .filter((a) => recipients.length === 0 || recipients.includes(a.recipient))
          .map(({ messageId: _id, at, ...rest }) => ({ ...rest, at: at.toISOString() })),
      };
      const receivedAt = summary?.receivedAt ?? notified?.receivedAt;
      if (receivedAt) detail.receivedAt = receivedAt.toISOString();
      const sender = summary?.sender ?? notified?.sender;
      if (sender !== undefined) detail.sender = sender;
      if (summary?.size !== undefined) detail.size = summary.size;
      const subject = summary?.subject ?? notified?.subject;
      if (subject !== undefined) detail.subject = subject;
      if (dead) detail.deadLetter = { reason: dead.reason, detail: dead.detail, at: dead.at.toISOString() };
      // One warning per copy of a split message: shown as one, from the first, for all their recipients.
      const warned = ((await deps.delayNotices?.find(id, name)) ?? []).sort((a, b) => a.at.getTime() - b.at.getTime());
      if (warned.length > 0) detail.delayWarning = { at: warned[0]!.at.toISOString(), recipients: [...new Set(warned.flatMap((w) => w.recipients))] };
      return detail;
    }),
  );
}

/** What became of a bounced or expired recipient's notice, in words. */
export function describeNotice(notice: NonNullable<RecipientView['notice']>): string {
  const words = { dsn: 'DSN sent to the sender', 'dead-letter': 'dead-lettered', suppressed: 'suppressed, no DSN', held: 'held for the operator (`backup-mx notices`)', discarded: 'held, then discarded by the operator' }[notice.kind];
  return notice.why ? `${words}: ${notice.why}` : words;
}

function parseQuietly(target: Target, dead: DeadLetterRecord | undefined): InboundMessage | undefined {
  if (!dead) return undefined;
  try {
    return target.engine.deps.parse(dead.notification);
  } catch {
    return undefined;
  }
}

/**
 * The stored object a notification names, read without the parser: a
 * notification it refused (an envelope address outside the grammar) is
 * dead-lettered under a made-up id, and this finds its raw message for `--raw`.
 */
function objectKeyNamedIn(dead: DeadLetterRecord | undefined): string | undefined {
  if (!dead) return undefined;
  try {
    let json = JSON.parse(dead.notification) as { Type?: unknown; Message?: unknown; receipt?: { action?: { objectKey?: unknown } } };
    if (json.Type === 'Notification' && typeof json.Message === 'string') json = JSON.parse(json.Message) as typeof json;
    const key = json.receipt?.action?.objectKey;
    return typeof key === 'string' && key !== '' ? key : undefined;
  } catch {
    return undefined;
  }
}

const LABEL_WIDTH = 13;

export async function showCommand(target: Target, id: string, options: { json?: boolean; route?: string; raw?: boolean }, io: CliIo): Promise<number> {
  const details = await messageDetails(target, id, options.route);
  if (options.raw) return showRaw(target, details, io);
  if (options.json) {
    io.out(JSON.stringify(details, null, 2));
    return EXIT.ok;
  }
  const now = target.engine.deps.clock.now();
  details.forEach((d, i) => {
    if (i > 0) io.out('');
    io.out(`Message ${d.id}  (route ${d.route}, ${d.state})`);
    const label = (name: string) => `  ${name.padEnd(LABEL_WIDTH)}`;
    if (d.receivedAt) io.out(`${label('received')}${d.receivedAt} (${formatAgo(new Date(d.receivedAt), now)})`);
    io.out(`${label('size')}${formatSize(d.size)}, object ${d.objectKey}${d.stored ? '' : ' (gone from the bucket)'}`);
    io.out(`${label('envelope')}MAIL FROM:${formatSender(d.sender ?? '?')}`);
    const rows = d.recipients.map((r) => [`RCPT TO:<${r.address}>`, r.state, formatTries(r.attempts), formatReplyText(r.lastReply)]);
    for (const line of table(['', '', '', ''], rows).slice(1)) io.out(`${label('')}${line}`);
    for (const r of d.recipients.filter((v) => v.notice)) io.out(`${label('notice')}<${r.address}>: ${describeNotice(r.notice!)}`);
    for (const h of d.headers) io.out(`${label(`${h.name}:`)}${h.value}`);
    const verdicts = Object.entries(d.verdicts).map(([k, v]) => `${k} ${v}`).join(', ');
    io.out(`${label('verdicts')}${verdicts || 'unknown'}`);
    if (d.delayWarning) io.out(`${label('delay notice')}sent ${d.delayWarning.at} to ${formatSender(d.sender ?? '?')} for ${d.delayWarning.recipients.map((r) => `<${r}>`).join(', ')}`);
    if (d.deadLetter) io.out(`${label('dead letter')}${d.deadLetter.reason} at ${d.deadLetter.at}: ${d.deadLetter.detail}`);
    if (d.attempts.length === 0) {
      io.out(`${label('attempts')}none yet`);
    } else {
      io.out('  attempts');
      const history = d.attempts.map((a) => [`    ${a.at}`, a.recipient, a.relay, a.state, `${a.delaySeconds}s`, formatReplyText(a.reply)]);
      for (const line of table(['    TIME', 'RECIPIENT', 'RELAY', 'STATE', 'DELAY', 'REPLY'], history)) io.out(line);
    }
  });
  return EXIT.ok;
}

/** `show <id> --raw`: the stored object, byte for byte (one route's copy: they are the same bytes). */
async function showRaw(target: Target, details: MessageDetail[], io: CliIo): Promise<number> {
  const stored = details.find((d) => d.stored);
  if (!stored) throw new CliError(`${details[0]!.id}: its raw message is gone from the bucket (${details.map((d) => d.objectKey).join(', ')})`, EXIT.notFound);
  const { body } = await target.engine.deps.store.open(stored.objectKey);
  for await (const chunk of body) {
    if (io.write) await io.write(chunk as Buffer);
    else io.out((chunk as Buffer).toString('utf8'));
  }
  return EXIT.ok;
}
