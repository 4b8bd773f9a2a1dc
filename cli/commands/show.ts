// `backup-mx show <id>`: everything known about one message — envelope, key
// headers, SES verdicts, each recipient's state, dead-letter record, and the
// full attempt history and the operator's forwards (core/operator/message-details.ts
// gathers them). A message matched by two routes is shown per route; a dead
// letter says so, whatever its index summary reads.
import { detailState, type MessageDetail, type RecipientView } from '../../lambdas/core/operator/message-details.js';
import type { CliIo } from '../cli-io.js';
import { CliError, EXIT, UnknownMessageError } from '../errors.js';
import { notFoundDetail } from '../id-prefix.js';
import { formatAgo, formatReplyText, formatSender, formatSize, formatTries, table } from '../format.js';
import type { Target } from '../target.js';

export type { MessageDetail };

/** Every route's copy of the message (or only `route`'s); throws UnknownMessageError when none. */
export async function messageDetails(target: Target, id: string, route?: string): Promise<MessageDetail[]> {
  const details = await target.operator.show(id, route);
  if (details.length === 0) throw new UnknownMessageError(id, notFoundDetail(target, id, route));
  return details;
}

/** What became of a bounced or expired recipient's notice, in words. */
export function describeNotice(notice: NonNullable<RecipientView['notice']>): string {
  const words = { dsn: 'DSN sent to the sender', 'dead-letter': 'dead-lettered', suppressed: 'suppressed, no DSN', held: 'held for the operator (`backup-mx notices`)', discarded: 'held, then discarded by the operator' }[notice.kind];
  return notice.why ? `${words}: ${notice.why}` : words;
}

const LABEL_WIDTH = 13;

export async function showCommand(target: Target, id: string, options: { json?: boolean; route?: string; raw?: boolean }, io: CliIo): Promise<number> {
  const details = await messageDetails(target, id, options.route);
  if (options.raw) return showRaw(target, details, io);
  if (options.json) {
    io.out(JSON.stringify(details, null, 2));
    return EXIT.ok;
  }
  const now = target.operator.now();
  details.forEach((d, i) => {
    if (i > 0) io.out('');
    io.out(`Message ${d.id}  (route ${d.route}, ${detailState(d)})`);
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
    if (d.forwards.length > 0) {
      io.out('  forwards');
      const forwards = d.forwards.map((f) => [`    ${f.at}`, `<${f.to}>`, f.by, f.sentAs ?? '-']);
      for (const line of table(['    TIME', 'TO', 'BY', 'SENT AS'], forwards)) io.out(line);
    }
  });
  return EXIT.ok;
}

/** `show <id> --raw`: the stored object, byte for byte (one route's copy: they are the same bytes). */
async function showRaw(target: Target, details: MessageDetail[], io: CliIo): Promise<number> {
  const stored = details.find((d) => d.stored);
  if (!stored) throw new CliError(`${details[0]!.id}: its raw message is gone from the bucket (${details.map((d) => d.objectKey).join(', ')})`, EXIT.notFound);
  const body = await target.operator.rawMessage(stored.objectKey);
  for await (const chunk of body) {
    if (io.write) await io.write(chunk as Buffer);
    else io.out((chunk as Buffer).toString('utf8'));
  }
  return EXIT.ok;
}
