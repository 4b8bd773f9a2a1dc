// The queue page's shape: `mailq --shape`'s table (core/operator/queue-shape.ts)
// as HTML, each cell shaded by its count. The shade is a CSS class (shade-0 to
// shade-4, console.css): the CSP allows no inline style.
import type { QueueShape, ShapeRow } from '../../../lambdas/core/operator/queue-shape.js';
import { html, type Html } from '../html.js';

/** Shades above none: a cell's class is its count's share of the largest domain cell, in quarters. */
const SHADES = 4;

/** shade-0 for none, else 1..4 by the count's share of the largest domain cell (TOTAL is shaded on the same scale, capped). */
export function shadeOf(count: number, max: number): string {
  if (count <= 0 || max <= 0) return 'shade-0';
  return `shade-${Math.min(SHADES, Math.ceil((count / max) * SHADES))}`;
}

export function shapeTable(shape: QueueShape): Html {
  const domainRows = [...shape.rows, ...(shape.other ? [shape.other] : [])];
  const max = Math.max(0, ...domainRows.flatMap((r) => r.counts));
  const row = (r: ShapeRow, name: Html | string, kind: string) =>
    html`<tr class="${kind}"><th scope="row">${name}</th><td class="num">${r.total}</td>${r.counts.map(
      (n) => html`<td class="num ${shadeOf(n, max)}">${n}</td>`,
    )}</tr>
`;
  const caption = `${shape.unit === 'messages' ? 'Messages' : 'Waiting recipients'} by ${shape.by} domain and age`;
  return html`<table class="shape">
<caption>${caption}${shape.undated > 0 ? ` (${shape.undated} with no receive time not counted)` : ''}</caption>
<thead><tr><th>${shape.by === 'sender' ? 'Sender domain' : 'Recipient domain'}</th><th class="num">Total</th>${shape.buckets.map(
    (b) => html`<th class="num">${b.label}</th>`,
  )}</tr></thead>
<tbody>
${row(shape.total, 'TOTAL', 'total')}${shape.rows.map((r) => row(r, r.name, 'domain'))}${
    shape.other ? row(shape.other, `${shape.other.domains} other domain${shape.other.domains === 1 ? '' : 's'}`, 'other') : ''
  }</tbody>
</table>`;
}
