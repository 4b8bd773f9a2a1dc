// The console's one way to make HTML: the `html` template escapes every
// value it is given unless the value is already Html (built by `html` itself).
// Subjects, senders and SMTP replies come from strangers: none reaches a page
// unescaped, because no other function writes markup.
import { consoleHref } from './paths.js';

/** Markup the console built itself (never text from mail). */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

type Value = Html | string | number | undefined | null | false | readonly Value[];

function render(value: Value): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** A tagged template: literal parts are markup, every `${value}` is escaped (arrays joined, Html kept). */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new Html(out);
}

/** A whole page: the shared head, the navigation, the body. */
export function page(title: string, current: 'overview' | 'queue', label: string, body: Html): string {
  const nav = (href: string, name: typeof current, text: string) => html`<a href="${consoleHref(href)}"${name === current ? new Html(' aria-current="page"') : ''}>${text}</a>`;
  return `<!doctype html>\n${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · backup-mx</title>
<link rel="stylesheet" href="${consoleHref('/console.css')}">
</head>
<body>
<header><strong>backup-mx</strong> <span class="target">${label}</span>
<nav>${nav('/', 'overview', 'Overview')} ${nav('/queue', 'queue', 'Queue')}</nav></header>
<main>
${body}
</main>
</body>
</html>`.text}\n`;
}
