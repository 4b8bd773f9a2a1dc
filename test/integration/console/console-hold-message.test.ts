// The console's hold and release of one message, on a local backup MX with a
// real SMTP primary: the held message stays queued through a flush while the
// rest of its route is delivered, the pages say it is held, and release lets
// it go; a POST without its CSRF token holds nothing.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startConsoleFixture, type ConsoleFixture } from '../../support/console/console-fixture.js';
import { act, confirmForm, post } from '../../support/console/console-forms.js';

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

const delivered = (subject: string) => c.fx.primary.messages.some((m) => m.raw.toString().includes(subject));

describe('hold and release one message from the console', () => {
  it('held: stays queued through a flush while its neighbour is delivered; shown held; released: delivered by the next flush', async () => {
    const kept = await c.fx.queue({ recipients: ['bob@example.com'], subject: 'Keep me back' });
    await c.fx.queue({ recipients: ['bob@example.com'], subject: 'Let me through' });
    const messagePage = (await c.get(`/message?id=${kept}&route=main`, { cookie: c.cookie })).body;
    expect(messagePage).toContain('/confirm/hold-message?id=');

    const form = await confirmForm(c, 'hold-message', { id: kept, route: 'main', reason: 'legal <review>' });
    expect(form.page).toContain(`Hold message ${kept}?`);
    expect(form.page).toContain('legal &lt;review&gt;');
    const held = await (async () => {
      const reply = await c.post(form.action, form.fields);
      expect(reply.status).toBe(303);
      return (await c.target.operator.show(kept, 'main'))[0]!;
    })();
    expect(held.held?.reason).toBe('legal <review>');

    expect((await act(c, 'flush', { route: 'main' })).ok).toBe(true);
    expect(delivered('Let me through')).toBe(true);
    expect(delivered('Keep me back')).toBe(false);
    expect((await c.target.operator.show(kept, 'main'))[0]!.state).toBe('queued');

    const queuePage = (await c.get('/queue?route=main', { cookie: c.cookie })).body;
    const row = new RegExp(`<tr data-id="${kept}">([\\s\\S]*?)</tr>`).exec(queuePage)![1]!;
    expect(row).toContain('<span class="state held">held</span>');
    const heldPage = (await c.get(`/message?id=${kept}&route=main`, { cookie: c.cookie })).body;
    expect(heldPage).toContain('/confirm/release-message?id=');
    expect(heldPage).not.toContain('/confirm/hold-message?id=');

    const released = await act(c, 'release-message', { id: kept, route: 'main' });
    expect(released.ok, released.banner).toBe(true);
    expect(released.banner).toMatch(/released/);
    expect((await act(c, 'flush', { route: 'main' })).ok).toBe(true);
    expect(delivered('Keep me back')).toBe(true);
  });

  it('a hold POST without its CSRF token is a 403 and holds nothing; a second hold is refused as already held', async () => {
    const id = await c.fx.queue({ recipients: ['bob@example.com'], subject: 'Untouched' });
    const { fields, action } = await confirmForm(c, 'hold-message', { id, route: 'main' });
    const { csrf: _csrf, ...noCsrf } = fields;
    expect((await c.post(action, noCsrf)).status).toBe(403);
    expect((await c.target.operator.show(id, 'main'))[0]!.held).toBeUndefined();
    expect((await c.post(action, fields)).status).toBe(303);
    expect((await c.target.operator.show(id, 'main'))[0]!.held).toBeDefined();
    const again = await c.get(`/confirm/hold-message?id=${id}&route=main`, { cookie: c.cookie });
    expect(again.status).toBe(400);
    expect(again.body).toContain('already held');
  });
});

describe('bulk hold and release of the queue page’s selection', () => {
  it('holds exactly the confirmed selection (not mail arriving meanwhile); a flush delivers the rest; release lets them go', async () => {
    const picked = [
      await c.fx.queue({ recipients: ['bob@example.com'], sender: 'a@vendor.example', subject: 'Vendor one' }),
      await c.fx.queue({ recipients: ['bob@example.com'], sender: 'b@vendor.example', subject: 'Vendor two' }),
    ];
    await c.fx.queue({ recipients: ['bob@example.com'], sender: 'boss@acme.example', subject: 'Boss mail' });
    const page = (await c.get('/queue?sender-domain=vendor.example', { cookie: c.cookie })).body;
    expect(page).toContain('<a class="action" href="/confirm/bulk-hold?sender-domain=vendor.example">Hold the 2 queued…</a>');
    const form = await confirmForm(c, 'bulk-hold', { 'sender-domain': 'vendor.example' });
    expect(form.page).toContain('Hold these 2 messages?');
    expect(JSON.parse(form.fields.messages!).map((p: string[]) => p[1]).sort()).toEqual([...picked].sort());
    const late = await c.fx.queue({ recipients: ['bob@example.com'], sender: 'c@vendor.example', subject: 'Vendor late' });
    const done = await post(c, form);
    expect(done.ok, done.banner).toBe(true);
    expect(done.banner).toMatch(/^-- held 2 of 2 messages; 0 skipped; 0 failed/);

    expect((await act(c, 'flush', { route: 'main' })).ok).toBe(true);
    expect(delivered('Boss mail')).toBe(true);
    expect(delivered('Vendor late')).toBe(true);
    expect(delivered('Vendor one') || delivered('Vendor two')).toBe(false);
    for (const id of picked) expect((await c.target.operator.show(id, 'main'))[0]!.held, id).toBeDefined();

    const queuePage = (await c.get('/queue?sender-domain=vendor.example', { cookie: c.cookie })).body;
    expect(queuePage).toContain('Release the 2 held…');
    const released = await act(c, 'bulk-release', { 'sender-domain': 'vendor.example' });
    expect(released.banner).toMatch(/^-- released 2 of 2 messages/);
    expect((await act(c, 'flush', { route: 'main' })).ok).toBe(true);
    expect(delivered('Vendor one') && delivered('Vendor two')).toBe(true);
  });
});
