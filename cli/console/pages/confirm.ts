// The confirmation page every action passes through: GET /confirm/<action>
// with the action's fields says what will happen (the message's details, the
// window's resolved times); its form POSTs them to /action/<action> with the
// CSRF token for that path. A plain form: the CSP allows no script.
import { CliError } from '../../errors.js';
import type { Target } from '../../target.js';
import { html, page, type Html } from '../html.js';
import { consoleHref } from '../paths.js';
import type { ActionResult, ConsoleAction } from './actions.js';

export async function confirmPage(target: Target, name: string, action: ConsoleAction, params: URLSearchParams, csrf: string): Promise<{ status: number; body: string }> {
  const fields = Object.fromEntries(action.fields.flatMap((f) => (params.has(f) ? [[f, params.get(f)!]] : [])));
  const current = action.back === '/' ? 'overview' : 'queue';
  const asking = action.ask?.(fields);
  if (asking) return { status: 200, body: page('Confirm', current, target.label, html`<h1>One more thing</h1>
${asking}`) };
  try {
    const c = await action.confirm(target, fields);
    const hidden = Object.entries(c.fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`);
    return {
      status: 200,
      body: page('Confirm', current, target.label, html`<h1>${c.question}</h1>
${c.details}
<form class="confirm" method="post" action="${consoleHref(`/action/${name}`)}">
${hidden}<input type="hidden" name="csrf" value="${csrf}">
<button type="submit">${c.button}</button> <a href="${consoleHref(action.back)}">Cancel</a>
</form>`),
    };
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    return { status: 400, body: page('Confirm', current, target.label, html`<h1>Nothing to confirm</h1><p class="error" role="alert">${error.message}</p><p><a href="${consoleHref(action.back)}">Back</a></p>`) };
  }
}

/** Where an action's result goes: its page with the line in the query (shown escaped by resultBanner). */
export function resultLocation(back: string, result: ActionResult): string {
  return `${back}?${new URLSearchParams({ result: result.line, ok: result.ok ? '1' : '0' }).toString()}`;
}

/** The one-line result of the action that redirected here (escaped: it may quote a subject). */
export function resultBanner(params: URLSearchParams): Html | '' {
  const line = params.get('result');
  if (line === null) return '';
  return params.get('ok') === '1' ? html`<p class="result" role="status">${line}</p>` : html`<p class="error" role="alert">${line}</p>`;
}

/** A link to an action's confirmation page (a GET: it only asks). */
export function actionLink(action: string, fields: Record<string, string>, text: string): Html {
  return html`<a class="action" href="${consoleHref(`/confirm/${action}?${new URLSearchParams(fields).toString()}`)}">${text}</a>`;
}
