// The queue page's shape (qshape's table) on a local backup MX: above the
// list, counting what the same filters select, by sender or recipient domain,
// cells shaded by CSS class (no inline style under the CSP), text escaped.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { shadeOf } from '../../../cli/console/pages/queue-shape-table.js';
import { startConsoleFixture, type ConsoleFixture } from '../../support/console/console-fixture.js';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

let c: ConsoleFixture;
beforeAll(async () => {
  c = await startConsoleFixture();
});
afterAll(async () => {
  await c?.stop();
});

/** The shape table's rows as [name, total, ...counts] (text as the page holds it). */
function shapeRows(body: string): string[][] {
  const table = /<table class="shape">([\s\S]*?)<\/table>/.exec(body)?.[1];
  expect(table, 'the page has a shape table').toBeDefined();
  return [...table!.matchAll(/<tr class="(?:total|domain|other)"><th scope="row">(.*?)<\/th>(.*?)<\/tr>/g)].map((m) => [
    m[1]!,
    ...[...m[2]!.matchAll(/<td class="num[^"]*">(\d+)<\/td>/g)].map((n) => n[1]!),
  ]);
}

describe('the queue page\'s shape', () => {
  beforeEach(async () => {
    await c.fx.reset();
    for (const m of await c.fx.deps.index.listQueued()) await c.fx.deps.index.remove(m.messageId);
  });

  it('shows the sender shape above the list, counting the whole selection, cells shaded by class', async () => {
    await c.fx.queue({ recipients: ['bob@example.com'], sender: 'a@spam.example', receivedAt: minutesAgo(1) });
    await c.fx.queue({ recipients: ['bob@example.com', 'carol@example.com'], sender: 'b@spam.example', receivedAt: minutesAgo(30) });
    await c.fx.queue({ recipients: ['carol@example.com'], sender: 'ann@friend.example', receivedAt: minutesAgo(2000) });
    const reply = await c.get('/queue', { cookie: c.cookie });
    expect(reply.status).toBe(200);
    const body = reply.body;
    expect(body.indexOf('<table class="shape">')).toBeGreaterThan(-1);
    expect(body.indexOf('<table class="shape">')).toBeLessThan(body.indexOf('<table class="queue">'));
    expect(body).toContain('<th class="num">0-5m</th>');
    expect(body).toContain('<th class="num">1280m+</th>');
    expect(shapeRows(body)).toEqual([
      ['TOTAL', '3', '1', '0', '0', '1', '0', '0', '0', '0', '0', '1'],
      ['spam.example', '2', '1', '0', '0', '1', '0', '0', '0', '0', '0', '0'],
      ['friend.example', '1', '0', '0', '0', '0', '0', '0', '0', '0', '0', '1'],
    ]);
    // The largest domain cell is 1 here: every non-zero cell is the darkest shade, an empty one none.
    expect(body).toMatch(/<tr class="domain"><th scope="row">spam\.example<\/th><td class="num">2<\/td><td class="num shade-4">1<\/td><td class="num shade-0">0<\/td>/);
    expect(body).not.toMatch(/\sstyle=/i);
  });

  it('follows the filters and shape=recipient (each waiting recipient by its domain); a bad shape is a 400 naming the field', async () => {
    await c.fx.queue({ recipients: ['bob@example.com', 'carol@example.com'], sender: 'b@spam.example', receivedAt: minutesAgo(30) });
    await c.fx.queue({ recipients: ['dan@example.net'], sender: 'c@spam.example', receivedAt: minutesAgo(30) });
    await c.fx.queue({ recipients: ['carol@example.com'], sender: 'ann@friend.example', receivedAt: minutesAgo(30) });
    const byRecipient = await c.get('/queue?shape=recipient&sender-domain=spam.example', { cookie: c.cookie });
    expect(byRecipient.status).toBe(200);
    expect(shapeRows(byRecipient.body).map((r) => r.slice(0, 2))).toEqual([
      ['TOTAL', '3'],
      ['example.com', '2'],
      ['example.net', '1'],
    ]);
    expect(byRecipient.body).toContain('<option value="recipient" selected>');
    const bad = await c.get('/queue?shape=subject', { cookie: c.cookie });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('shape: expected sender or recipient; got &quot;subject&quot;');
  });

  it('sums the domains beyond the top 20 into one row', async () => {
    for (let i = 0; i < 22; i++) await c.fx.queue({ recipients: ['bob@example.com'], sender: `x@d${String(i).padStart(2, '0')}.example`, receivedAt: minutesAgo(1) });
    const rows = shapeRows((await c.get('/queue', { cookie: c.cookie })).body);
    expect(rows).toHaveLength(1 + 20 + 1);
    expect(rows.at(-1)!.slice(0, 2)).toEqual(['2 other domains', '2']);
  });

  it('shades by the count\'s share of the largest cell, in quarters', () => {
    expect([0, 1, 25, 26, 50, 75, 76, 100].map((n) => shadeOf(n, 100))).toEqual(['shade-0', 'shade-1', 'shade-1', 'shade-2', 'shade-2', 'shade-3', 'shade-4', 'shade-4']);
    expect(shadeOf(3, 0)).toBe('shade-0');
  });
});
