// The message's history on a local backup MX: a forward made from the console
// (through its confirmation page and the POST guard) is listed on the message
// page's history and by `backup-mx show`, with the outbox file it was written
// to; a message the drain dead-lettered (its summary marked done) is shown as
// a dead letter by both.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startConsoleFixture, type ConsoleFixture } from '../../support/console/console-fixture.js';

let c: ConsoleFixture;
beforeAll(async () => {
  c = await startConsoleFixture();
});
afterAll(async () => {
  await c?.stop();
});
beforeEach(async () => {
  await c.fx.reset();
});

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const unescape = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!);
const page = async (path: string) => (await c.get(path, { cookie: c.cookie })).body;

/** Confirms the action as a browser would (its form's hidden fields, CSRF token included) and posts it; the 303's target page. */
async function act(action: string, query: Record<string, string>): Promise<string> {
  const confirm = await page(`/confirm/${action}?${new URLSearchParams(query).toString()}`);
  const form = /<form class="confirm" method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(confirm)!;
  const fields = Object.fromEntries([...form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, unescape(m[2]!)]));
  const reply = await c.post(form[1]!, fields);
  expect(reply.status, reply.body).toBe(303);
  return page(String(reply.headers.location));
}

describe('the message history', () => {
  it('a forward from the console is listed on the message page and by show, with the outbox file and who forwarded it', async () => {
    const id = await c.fx.queue({ recipients: ['bob@example.com'], subject: 'Contract from ACME' });
    expect(await page(`/message?id=${id}&route=main`)).not.toContain('<table class="forwards">');
    await act('forward', { id, route: 'main', to: 'boss@elsewhere.example' });
    const [detail] = await c.target.operator.show(id, 'main');
    expect(detail!.forwards).toHaveLength(1);
    const forward = detail!.forwards[0]!;
    expect(forward.sentAs).toMatch(/-forward-\d+\.eml$/);
    expect(forward.sentAs!.startsWith(c.target.bounceDir!)).toBe(true);
    const body = await page(`/message?id=${id}&route=main`);
    const table = /<h3>Forwards<\/h3>\s*<table class="forwards">([\s\S]*?)<\/table>/.exec(body)?.[1];
    expect(table).toContain(`<td>${forward.at}</td><td>&lt;boss@elsewhere.example&gt;</td><td>${forward.by}</td><td class="id">${forward.sentAs}</td>`);
    const show = await c.fx.cli('show', id);
    expect(show.code).toBe(0);
    expect(show.io.stdout).toContain('  forwards');
    expect(show.io.stdout.join('\n')).toMatch(new RegExp(`<boss@elsewhere\\.example> +${forward.by} +${forward.sentAs!.replace(/[.\\/]/g, '\\$&')}`));
  });

  it('a message the drain dead-lettered reads "dead letter" on the message page and in show, not "done"', async () => {
    c.fx.primary.script = { rcpt: { 'erin@example.com': { code: 550, enhanced: '5.1.1', text: 'no such user' } } };
    const id = await c.fx.queue({ recipients: ['erin@example.com'] });
    expect((await c.fx.cli('flush', 'main')).code).toBe(0);
    const [detail] = await c.target.operator.show(id, 'main');
    expect(detail!.deadLetter).toBeDefined();
    const body = await page(`/message?id=${id}&route=main`);
    expect(body).toContain('<h2>Route main <span class="state dead-letter">dead letter</span></h2>');
    expect((await c.fx.cli('show', id)).io.stdout[0]).toBe(`Message ${id}  (route main, dead letter)`);
    // The summary says done: only the record makes it a dead letter.
    expect(detail!.state).toBe('done');
  });
});
