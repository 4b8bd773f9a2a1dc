// The message page: what `backup-mx show` prints (the operator's show use
// case, through cli/commands/show.ts's messageDetails: the same reads), the
// attachments and a safe preview of the body (message-preview.ts), and the
// links to the raw .eml (message-raw.ts) and to the message as an mbox
// (mbox-download.ts), and each copy's action links to the
// confirmation pages the queue page links to (confirm.ts, actions.ts).
import { detailState, isDeadLetter, type MessageDetail } from '../../../lambdas/core/operator/message-details.js';
import { describeNotice, messageDetails } from '../../commands/show.js';
import { UnknownMessageError } from '../../errors.js';
import { formatAgo, formatReplyText, formatSender, formatSize, formatTries } from '../../format.js';
import type { Target } from '../../target.js';
import { html, page, type Html } from '../html.js';
import { consoleHref } from '../paths.js';
import { actionLink } from './confirm.js';
import { PREVIEW_MAX_BYTES, previewMessage, type Preview } from './message-preview.js';

type Rendered = { status: number; body: string };

/** `?id=` (required) and `?route=` (optional) as the page and the raw download read them; undefined id when missing. */
export function messageQuery(params: URLSearchParams): { id?: string; route?: string } {
  const value = (name: string) => {
    const v = params.get(name)?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const id = value('id');
  const route = value('route');
  return { ...(id !== undefined ? { id } : {}), ...(route !== undefined ? { route } : {}) };
}

export async function messagePage(target: Target, params: URLSearchParams): Promise<Rendered> {
  const { id, route } = messageQuery(params);
  if (id === undefined) return failure(target, 400, 'id: the message id is missing (open a message from the queue page)');
  let details: MessageDetail[];
  try {
    details = await messageDetails(target, id, route);
  } catch (error) {
    if (error instanceof UnknownMessageError) return failure(target, 404, error.message);
    throw error;
  }
  const now = target.operator.now();
  const stored = details.find((d) => d.stored);
  // One preview: every route's copy is the same stored bytes.
  const preview = stored ? await previewMessage(await target.operator.rawMessage(stored.objectKey), stored.size) : undefined;
  const raw = consoleHref(`/message/raw?id=${encodeURIComponent(id)}`);
  const mboxLink = consoleHref(`/message/mbox?id=${encodeURIComponent(id)}`);
  return {
    status: 200,
    body: page(
      `Message ${id}`,
      'queue',
      target.label,
      html`<h1>Message <span class="id">${id}</span></h1>
<p class="message-links">${stored ? html`<a href="${raw}" download>Download the raw .eml</a> · <a href="${mboxLink}" download>Download as mbox</a>` : html`<span class="alert">The raw message is gone from the bucket.</span>`} · <a href="${consoleHref('/queue')}">back to the queue</a></p>
${details.map((d) => routeSection(d, now))}
<h2>Body</h2>
${preview ? previewSection(preview) : html`<p class="none">No stored message to preview.</p>`}`,
    ),
  };
}

function failure(target: Target, status: number, message: string): Rendered {
  return { status, body: page('Message', 'queue', target.label, html`<h1>Message</h1><p class="error" role="alert">${message}</p><p><a href="${consoleHref('/queue')}">back to the queue</a></p>`) };
}

/** One route's copy: as `show` prints it, in tables. */
function routeSection(d: MessageDetail, now: Date): Html {
  const verdicts = Object.entries(d.verdicts);
  return html`<section class="route-copy" data-route="${d.route}">
<h2>Route ${d.route} <span class="state ${isDeadLetter(d) ? 'dead-letter' : d.state}">${detailState(d)}</span>${
    d.held ? html` <span class="state held" title="${d.held.reason ?? ''}">held ${formatAgo(new Date(d.held.since), now)}</span>` : ''
  }</h2>
${copyActions(d)}
<table class="fields">
<tr><th scope="row">Received</th><td>${d.receivedAt ? `${d.receivedAt} (${formatAgo(new Date(d.receivedAt), now)})` : '-'}</td></tr>
<tr><th scope="row">Size</th><td>${formatSize(d.size)}, object <span class="id">${d.objectKey}</span>${d.stored ? '' : html` <span class="alert">(gone from the bucket)</span>`}</td></tr>
<tr><th scope="row">MAIL FROM</th><td class="sender">${formatSender(d.sender ?? '?')}</td></tr>
${d.headers.map((h) => html`<tr><th scope="row">${h.name}</th><td class="header">${h.value}</td></tr>`)}
<tr><th scope="row">Verdicts</th><td class="verdicts">${verdicts.length > 0 ? verdicts.map(([k, v]) => html`<span class="verdict">${k} ${v}</span> `) : 'unknown'}</td></tr>
${d.delayWarning ? html`<tr><th scope="row">Delay notice</th><td>sent ${d.delayWarning.at} for ${d.delayWarning.recipients.map((r) => `<${r}>`).join(', ')}</td></tr>` : ''}
${d.deadLetter ? html`<tr><th scope="row">Dead letter</th><td class="alert">${d.deadLetter.reason} at ${d.deadLetter.at}: ${d.deadLetter.detail}</td></tr>` : ''}
</table>
<h3>Recipients</h3>
<table class="recipients">
<thead><tr><th>RCPT TO</th><th>State</th><th>Tries</th><th>Last reply</th><th>Notice</th></tr></thead>
<tbody>
${d.recipients.map(
  (r) => html`<tr data-recipient="${r.address}"><td>&lt;${r.address}&gt;</td><td><span class="state ${r.state}">${r.state}</span></td><td>${formatTries(r.attempts)}</td><td>${formatReplyText(r.lastReply)}</td><td>${r.notice ? describeNotice(r.notice) : ''}</td></tr>
`,
)}</tbody>
</table>
<h3>Attempts</h3>
${d.attempts.length === 0
  ? html`<p class="none">None yet.</p>`
  : html`<table class="attempts">
<thead><tr><th>Time</th><th>Recipient</th><th>Relay</th><th>State</th><th>Delay</th><th>Reply</th></tr></thead>
<tbody>
${d.attempts.map((a) => html`<tr><td>${a.at}</td><td>${a.recipient}</td><td>${a.relay}</td><td>${a.state}</td><td class="num">${a.delaySeconds}s</td><td>${formatReplyText(a.reply)}</td></tr>
`)}</tbody>
</table>`}
${forwardsSection(d)}
</section>
`;
}

/** The operator's forwards of the copy (the message's history), as `show` lists them; nothing when there were none. */
function forwardsSection(d: MessageDetail): Html | '' {
  if (d.forwards.length === 0) return '';
  return html`<h3>Forwards</h3>
<table class="forwards">
<thead><tr><th>Time</th><th>To</th><th>By</th><th>Sent as</th></tr></thead>
<tbody>
${d.forwards.map((f) => html`<tr><td>${f.at}</td><td>&lt;${f.to}&gt;</td><td>${f.by}</td><td class="id">${f.sentAs ?? '-'}</td></tr>
`)}</tbody>
</table>`;
}

/**
 * One copy's actions, each a link to its confirmation page (a GET: nothing is
 * done until that page's form is posted). Forward needs the stored bytes;
 * requeue is for a dead letter only; a delivered copy has nothing to delete.
 */
function copyActions(d: MessageDetail): Html | '' {
  const fields = { id: d.id, route: d.route };
  // A dead letter's copy may read 'done' (every recipient final): its record is what makes it one.
  const dead = isDeadLetter(d);
  const links = [
    ...(d.stored ? [actionLink('forward', fields, 'Forward')] : []),
    ...(dead ? [actionLink('requeue', fields, 'Requeue')] : []),
    ...(d.state === 'queued' ? [d.held ? actionLink('release-message', fields, 'Release') : actionLink('hold-message', fields, 'Hold')] : []),
    ...(dead || d.state !== 'done' ? [actionLink('delete', fields, 'Delete')] : []),
  ];
  return links.length === 0 ? '' : html`<p class="actions">${links.map((l) => html`${l} `)}</p>`;
}

/**
 * The HTML part goes into `<iframe sandbox srcdoc>` rather than a second URL:
 * a srcdoc frame inherits this page's CSP (no script, no image, no remote
 * anything), so the sanitizer is one wall and the CSP a second, with no
 * exception to the console's headers (a framed URL would need frame-src and
 * frame-ancestors opened). The empty sandbox adds a third: no script, no
 * form, no popup, no navigation of this page, an opaque origin (no cookie).
 * The `html` template escapes the cleaned markup into the attribute.
 */
function previewSection(preview: Preview): Html {
  if (preview.kind === 'too-large') {
    return html`<p class="notice preview-too-large">Too large to preview: ${preview.size !== undefined ? `${formatSize(preview.size)}, ` : ''}over the ${formatSize(PREVIEW_MAX_BYTES)} the console parses. Download the raw .eml to read it.</p>`;
  }
  if (preview.kind === 'unreadable') return html`<p class="error">The message could not be parsed: ${preview.why}</p>`;
  const attachments = preview.attachments.length === 0
    ? html`<p class="none">No attachment.</p>`
    : html`<table class="attachments"><thead><tr><th>Name</th><th>Type</th><th>Size</th></tr></thead><tbody>${preview.attachments.map(
        (a) => html`<tr><td class="attachment-name">${a.name}</td><td>${a.type}</td><td class="num">${formatSize(a.size)}</td></tr>`,
      )}</tbody></table>`;
  const body = preview.html !== undefined
    ? html`<iframe class="preview-html" sandbox srcdoc="${preview.html}" title="HTML body (cleaned; images and remote content blocked)"></iframe>
${preview.text !== undefined ? html`<details><summary>Text part</summary><pre class="preview-text">${preview.text}</pre></details>` : ''}`
    : preview.text !== undefined
      ? html`<pre class="preview-text">${preview.text}</pre>`
      : html`<p class="none">No text or HTML part.</p>`;
  return html`${body}
<h2>Attachments</h2>
${attachments}`;
}
