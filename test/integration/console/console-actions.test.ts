// The console's actions on a local backup MX: a POST is taken only with the
// cookie, the form's CSRF token for that action and the console's own Origin
// (anything else is a 403 and the state is unchanged), and with all three each
// action does what its CLI verb does, through its confirmation page.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { csrfToken } from '../../../cli/console/security.js';
import { startConsoleFixture, type ConsoleFixture } from '../../support/console/console-fixture.js';
import { act as actOf, confirmForm as confirmFormOf } from '../../support/console/console-forms.js';

let c: ConsoleFixture;
beforeAll(async () => {
  c = await startConsoleFixture();
});
afterAll(async () => {
  await c?.stop();
});
beforeEach(async () => {
  await c.fx.reset();
  for (const w of await c.target.operator.hold.windows('other')) await c.target.operator.hold.cancelWindow(c.target.settings.routes[1]!, w.id);
});

const confirmForm = (action: string, query: Record<string, string>) => confirmFormOf(c, action, query);
const act = (action: string, query: Record<string, string>) => actOf(c, action, query);

describe('a POST is refused unless it carries the cookie, the CSRF token and the console Origin', () => {
  it('hold: no cookie, no CSRF token, a wrong one, another action’s, a foreign or null Origin, no Origin at all: 403 and the route not held', async () => {
    const { fields } = await confirmForm('hold', { route: 'main', reason: 'forged' });
    expect(fields.csrf).toBe(csrfToken(c.console.token, '/action/hold'));
    const { csrf: _csrf, ...noCsrf } = fields;
    const attempts: [string, Record<string, string>, Record<string, string>][] = [
      ['no cookie', fields, { cookie: '' }],
      ['a wrong cookie', fields, { cookie: c.cookie.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A')) }],
      ['no CSRF token', noCsrf, {}],
      ['an empty CSRF token', { ...fields, csrf: '' }, {}],
      ['a wrong CSRF token', { ...fields, csrf: fields.csrf!.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A')) }, {}],
      ['the CSRF token of another action', { ...fields, csrf: csrfToken(c.console.token, '/action/release') }, {}],
      ['the console token itself as CSRF token', { ...fields, csrf: c.console.token }, {}],
      ['a foreign Origin', fields, { origin: 'http://evil.example' }],
      ['the console’s Origin on another port', fields, { origin: `http://127.0.0.1:${c.console.port + 1}` }],
      ['a null Origin (sandboxed frame) with no Sec-Fetch-Site', fields, { origin: 'null' }],
      ['a null Origin, Sec-Fetch-Site cross-site (another site\'s sandboxed frame)', fields, { origin: 'null', 'sec-fetch-site': 'cross-site' }],
      ['a foreign Origin claiming Sec-Fetch-Site same-origin', fields, { origin: 'http://evil.example', 'sec-fetch-site': 'same-origin' }],
      ['no Origin and no Sec-Fetch-Site', fields, { origin: '' }],
      ['no Origin, Sec-Fetch-Site cross-site', fields, { origin: '', 'sec-fetch-site': 'cross-site' }],
      ['a JSON body (not a form)', fields, { 'content-type': 'application/json' }],
    ];
    for (const [what, form, headers] of attempts) {
      const reply = await c.post('/action/hold', form, headers);
      expect(reply.status, what).toBe(403);
      expect(reply.headers.location, what).toBeUndefined();
    }
    expect(await c.target.operator.routeHold('main')).toBeUndefined();
    // The same form with everything right holds it (so the refusals above were the guards, not a broken form).
    expect((await c.post('/action/hold', fields)).status).toBe(303);
    expect((await c.target.operator.routeHold('main'))?.reason).toBe('forged');
  });

  it('no Origin, or Origin: null (what Chromium sends under no-referrer), with Sec-Fetch-Site: same-origin is the console’s own', async () => {
    const { fields } = await confirmForm('hold', { route: 'main' });
    expect((await c.post('/action/hold', fields, { origin: '', 'sec-fetch-site': 'same-origin' })).status).toBe(303);
    expect(await c.target.operator.routeHold('main')).toBeDefined();
    await c.target.operator.hold.release(c.target.settings.routes[0]!);
    expect((await c.post('/action/hold', fields, { origin: 'null', 'sec-fetch-site': 'same-origin' })).status).toBe(303);
    expect(await c.target.operator.routeHold('main')).toBeDefined();
  });

  it('delete with a foreign Origin or a wrong CSRF token leaves the message queued', async () => {
    const id = await c.fx.queue({ recipients: ['bob@example.com'], subject: 'Keep me' });
    const { fields } = await confirmForm('delete', { id, route: 'main' });
    expect((await c.post('/action/delete', fields, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await c.post('/action/delete', { ...fields, csrf: csrfToken(c.console.token, '/action/requeue') })).status).toBe(403);
    const details = await c.target.operator.show(id, 'main');
    expect(details.map((d) => [d.state, d.stored])).toEqual([['queued', true]]);
  });

  it('a POST anywhere but an action is 405; an action is never a GET', async () => {
    for (const path of ['/', '/queue', '/confirm/hold', '/action/nothing', '/action/']) {
      const reply = await c.post(path, { route: 'main' });
      expect(reply.status, path).toBe(405);
      expect(reply.headers.allow).toBe('GET, HEAD');
    }
    expect((await c.get('/action/hold?route=main', { cookie: c.cookie })).status).toBe(404);
    expect(await c.target.operator.routeHold('main')).toBeUndefined();
  });

  it('an oversized body is refused before it is parsed', async () => {
    const { fields } = await confirmForm('hold', { route: 'main' });
    expect((await c.post('/action/hold', { ...fields, reason: 'x'.repeat(20_000) })).status).toBe(403);
    expect(await c.target.operator.routeHold('main')).toBeUndefined();
  });
});

describe('with everything right, each action does what its CLI verb does', () => {
  it('hold, then release: the route held with the reason, then not; the result shown on the overview', async () => {
    const held = await act('hold', { route: 'main', reason: 'disk <swap>' });
    expect(held.location).toMatch(/^\/\?result=/);
    expect(held.banner).toContain('route main held');
    expect((await c.target.operator.routeHold('main'))?.reason).toBe('disk <swap>');
    const released = await act('release', { route: 'main' });
    expect(released.banner).toContain('route main released');
    expect(await c.target.operator.routeHold('main')).toBeUndefined();
  });

  it('schedule a window (times resolved on the confirmation page), then cancel it', async () => {
    const form = await confirmForm('schedule', { route: 'other', from: '+2h', until: '+3h', reason: 'kernel update' });
    const from = new Date(form.fields.from!);
    expect(from.getTime() - Date.now()).toBeGreaterThan(2 * 3_600_000 - 60_000);
    expect(form.page).toContain(form.fields.until!);
    expect((await c.post(form.action, form.fields)).status).toBe(303);
    const windows = await c.target.operator.hold.windows('other');
    expect(windows.map((w) => [w.from.toISOString(), w.until.toISOString(), w.reason])).toEqual([[form.fields.from, form.fields.until, 'kernel update']]);
    // Listed on the overview, with a link to cancel it.
    const overview = (await c.get('/', { cookie: c.cookie })).body;
    expect(overview).toContain(`/confirm/cancel-window?route=other&amp;window=${windows[0]!.id}`);
    const cancelled = await act('cancel-window', { route: 'other', window: windows[0]!.id });
    expect(cancelled.banner).toContain(`maintenance window ${windows[0]!.id}`);
    expect(await c.target.operator.hold.windows('other')).toEqual([]);
  });

  it('a bad window is a 400 naming the field, and nothing is scheduled', async () => {
    for (const [query, field] of [
      [{ route: 'other', until: 'soon' }, 'until: expected'],
      [{ route: 'other', until: '2h' }, 'until: .* is in the past'],
      [{ route: 'other', from: '+3h', until: '+2h' }, 'until: .* is not after from'],
      [{ route: 'nowhere', until: '+2h' }, 'no route named'],
    ] as const) {
      const reply = await c.get(`/confirm/schedule?${new URLSearchParams(query).toString()}`, { cookie: c.cookie });
      expect(reply.status, JSON.stringify(query)).toBe(400);
      expect(reply.body).toMatch(new RegExp(`<p class="error" role="alert">${field}`));
      expect(reply.body).not.toContain('method="post"');
    }
    expect(await c.target.operator.hold.windows('other')).toEqual([]);
  });

  it('flush delivers the queue to the primary', async () => {
    const id = await c.fx.queue({ recipients: ['bob@example.com'], subject: 'Flush me' });
    const flushed = await act('flush', { route: 'main' });
    expect(flushed.banner).toMatch(/flush main: \d+ messages?, \d+ delivered/);
    expect(c.fx.primary.messages.some((m) => m.raw.toString().includes('Flush me'))).toBe(true);
    expect((await c.target.operator.show(id, 'main'))[0]!.recipients.map((r) => r.state)).toEqual(['delivered']);
  });

  it('delete: the confirmation names the message (escaped), the POST removes it as `delete --yes` does', async () => {
    const id = await c.fx.queue({ recipients: ['bob@example.com'], subject: '<b>Bye</b>' });
    const form = await confirmForm('delete', { id, route: 'main' });
    expect(form.page).toContain(`Delete message ${id} for good?`);
    expect(form.page).toContain('&lt;b&gt;Bye&lt;/b&gt;');
    expect((await c.post(form.action, form.fields)).status).toBe(303);
    const details = await c.target.operator.show(id, 'main');
    expect(details.every((d) => !d.stored)).toBe(true);
    expect(details.flatMap((d) => d.recipients.map((r) => r.state))).not.toContain('queued');
  });

  it('requeue: a dead letter goes back to its queue (and is offered only for dead letters)', async () => {
    c.fx.primary.script = { rcpt: { 'nobody@example.net': { code: 550, enhanced: '5.1.1', text: 'no such user' } } };
    const id = await c.fx.queue({ recipients: ['nobody@example.net'], subject: 'Lost soul' });
    expect((await c.fx.cli('flush', 'other')).code).toBe(0);
    c.fx.primary.script = {};
    const queuePage = (await c.get('/queue?route=other', { cookie: c.cookie })).body;
    const row = new RegExp(`<tr data-id="${id}">([\\s\\S]*?)</tr>`).exec(queuePage)![1]!;
    expect(row).toContain('/confirm/requeue?id=');
    expect(row).toContain('/confirm/delete?id=');
    const requeued = await act('requeue', { id, route: 'other' });
    expect(requeued.location).toMatch(/^\/queue\?result=/);
    expect(requeued.banner).toMatch(/requeued/);
    expect(await c.target.operator.requeue.find(id, 'other')).toHaveProperty('queued');
  });

  it('an unknown message is a 400 on the confirmation page, with no form', async () => {
    const reply = await c.get('/confirm/delete?id=nothing-here&route=main', { cookie: c.cookie });
    expect(reply.status).toBe(400);
    expect(reply.body).toContain('no message with id nothing-here');
    expect(reply.body).not.toContain('method="post"');
  });
});

/** The forwards in the local outbox (the DSN folder), newest last. */
async function outboxForwards(): Promise<string[]> {
  const dir = c.target.bounceDir!;
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.includes('-forward-')).sort().map((n) => path.join(dir, n));
}

async function storedBytes(id: string, route: string): Promise<Buffer> {
  const [detail] = await c.target.operator.show(id, route);
  const { body } = await c.fx.deps.store.open(detail!.objectKey);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('forward', () => {
  it('from the queue page: asks the address, confirms, writes the forward to the outbox with the original attached byte for byte; the message stays queued', async () => {
    const id = await c.fx.queue({ recipients: ['bob@example.com'], sender: 'ceo@acme.example', subject: 'Contract from ACME' });
    const row = new RegExp(`<tr data-id="${id}">([\\s\\S]*?)</tr>`).exec((await c.get('/queue?route=main', { cookie: c.cookie })).body)![1]!;
    expect(row).toContain(`/confirm/forward?id=${id}&amp;route=main`);
    const asking = await c.get(`/confirm/forward?id=${id}&route=main`, { cookie: c.cookie });
    expect(asking.body).toContain('<form class="forward" method="get" action="/confirm/forward">');
    expect(asking.body).not.toContain('method="post"');
    const before = await outboxForwards();
    const done = await act('forward', { id, route: 'main', to: 'boss@elsewhere.example' });
    expect(done.banner).toContain('forwarded to <boss@elsewhere.example>');
    const files = (await outboxForwards()).filter((f) => !before.includes(f));
    expect(files).toHaveLength(1);
    const written = await readFile(files[0]!);
    expect(written.toString('latin1')).toMatch(/^X-Envelope-From: <MAILER-DAEMON@[^>]+>\r\nX-Envelope-To: <boss@elsewhere\.example>\r\n/);
    const parsed = await simpleParser(written);
    const attached = parsed.attachments.filter((a) => a.contentType === 'message/rfc822');
    expect(attached).toHaveLength(1);
    expect(Buffer.compare(attached[0]!.content, await storedBytes(id, 'main'))).toBe(0);
    expect((await c.target.operator.show(id, 'main'))[0]!.state).toBe('queued');
  });

  it('a bad address is a 400 on the confirmation page and nothing is written', async () => {
    const id = await c.fx.queue({ recipients: ['bob@example.com'] });
    const before = await outboxForwards();
    for (const to of ['a@b.example, c@d.example', 'Boss <boss@elsewhere.example>', 'nobody']) {
      const reply = await c.get(`/confirm/forward?${new URLSearchParams({ id, route: 'main', to }).toString()}`, { cookie: c.cookie });
      expect(reply.status, to).toBe(400);
      expect(reply.body).toMatch(/<p class="error" role="alert">to: /);
    }
    // Posted directly (a forged form with a valid CSRF token still goes through the use case's check).
    const reply = await c.post('/action/forward', { id, route: 'main', to: 'a@b.example, c@d.example', csrf: csrfToken(c.console.token, '/action/forward') });
    expect(reply.status).toBe(303);
    expect(decodeURIComponent(String(reply.headers.location))).toMatch(/ok=0/);
    expect(await outboxForwards()).toEqual(before);
  });

  it('backup-mx forward <id> --to: the CLI verb does the same; a list of addresses is a usage error', async () => {
    const id = await c.fx.queue({ recipients: ['bob@example.com'], subject: 'By the CLI' });
    const before = await outboxForwards();
    const ok = await c.fx.cli('forward', id, '--to', 'boss@elsewhere.example');
    expect(ok.code, ok.io.stderr.join('\n')).toBe(0);
    expect(ok.io.text).toContain(`message ${id} (route main) forwarded to <boss@elsewhere.example>`);
    const files = (await outboxForwards()).filter((f) => !before.includes(f));
    expect(files).toHaveLength(1);
    const parsed = await simpleParser(await readFile(files[0]!));
    expect(Buffer.compare(parsed.attachments[0]!.content, await storedBytes(id, 'main'))).toBe(0);
    const bad = await c.fx.cli('forward', id, '--to', 'a@b.example, c@d.example');
    expect(bad.code).toBe(2);
    expect(bad.io.stderr.join('\n')).toContain('--to: one address only');
    expect((await outboxForwards()).filter((f) => !before.includes(f))).toHaveLength(1);
  });
});
