// The console's actions on more than one message, on a local backup MX: the
// message and the queue page's selection as an mbox (export's writer, bytes as
// stored under the mboxrd quoting), bulk delete / requeue of the selection
// (the confirmation is the dry run; the POST acts only on the confirmed ids),
// and replay. Every POST takes the cookie, the CSRF token and the Origin.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { asctime } from '../../../lambdas/adapters/mailbox/mbox-writer.js';
import { SELECTION_MAX } from '../../../cli/console/pages/selection-max.js';
import { startConsoleFixture, type ConsoleFixture } from '../../support/console/console-fixture.js';
import { act, confirmForm, post } from '../../support/console/console-forms.js';
import { readMbox } from '../../support/smtp/mbox-reader.js';

let c: ConsoleFixture;
beforeAll(async () => {
  c = await startConsoleFixture();
});
afterAll(async () => {
  await c?.stop();
});
beforeEach(async () => {
  await c.fx.reset();
  await c.fx.emptyRecords();
});

/** Replaces a queued message's stored object (bodies the fixture does not write: "From " lines). */
async function store(id: string, route: string, raw: Buffer): Promise<string> {
  const [detail] = await c.target.operator.show(id, route);
  await c.fx.clients.s3.send(new PutObjectCommand({ Bucket: c.fx.resources.bucketName, Key: detail!.objectKey, Body: raw }));
  return detail!.objectKey;
}

const stillQueued = async (id: string, route = 'main') => (await c.target.operator.show(id, route)).some((d) => d.state === 'queued' && d.stored);

describe('mbox downloads', () => {
  it('the message page links its mbox; the download is the stored bytes behind a From line, "From " lines quoted, nothing else', async () => {
    const at = new Date('2026-12-01T09:05:03Z');
    const id = await c.fx.queue({ recipients: ['bob@example.com'], sender: 'ceo@acme.example', subject: 'Contract', receivedAt: at });
    const raw = Buffer.from('Subject: Contract\r\nFrom: ceo@acme.example\r\n\r\nFrom the desk of the CEO:\r\n>From an earlier mail\r\nsign here\r\n', 'latin1');
    await store(id, 'main', raw);
    const messagePage = (await c.get(`/message?id=${id}&route=main`, { cookie: c.cookie })).body;
    expect(messagePage).toContain(`<a href="/message/mbox?id=${id}" download>Download as mbox</a>`);
    const reply = await c.get(`/message/mbox?id=${id}`, { cookie: c.cookie });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/mbox');
    expect(reply.headers['content-disposition']).toBe(`attachment; filename="${id}.mbox"`);
    expect(reply.headers['cache-control']).toBe('no-store');
    const quoted = raw.toString('latin1').replace('\nFrom the desk', '\n>From the desk').replace('\n>From an earlier', '\n>>From an earlier');
    expect(reply.bytes.toString('latin1')).toBe(`From ceo@acme.example ${asctime(at)}\n${quoted}\n`);
    const [entry, ...more] = readMbox(reply.bytes);
    expect(more).toEqual([]);
    expect(entry!.raw.equals(raw)).toBe(true);
  });

  it('without the token cookie, or for an unknown id, no mbox', async () => {
    const id = await c.fx.queue({ recipients: ['bob@example.com'] });
    const refused = await c.get(`/message/mbox?id=${id}`);
    expect(refused.status).toBe(403);
    expect(refused.body).not.toContain('From ');
    expect((await c.get('/message/mbox?id=nothing-here', { cookie: c.cookie })).status).toBe(404);
    expect((await c.get('/queue/mbox?state=bogus', { cookie: c.cookie })).status).toBe(400);
  });

  it('the queue page downloads its selection: the filter the list uses, oldest first, each message once', async () => {
    const now = Date.now();
    const old = await c.fx.queue({ recipients: ['bob@example.com'], sender: 'a@vendor.example', subject: 'Old', receivedAt: new Date(now - 3 * 3600_000) });
    const both = await c.fx.queue({ recipients: ['bob@example.com', 'eve@example.net'], sender: 'b@vendor.example', subject: 'Both routes', receivedAt: new Date(now - 3600_000) });
    await c.fx.queue({ recipients: ['bob@example.com'], sender: 'c@elsewhere.example', subject: 'Not selected' });
    const page = (await c.get('/queue?sender-domain=vendor.example', { cookie: c.cookie })).body;
    expect(page).toContain('<a class="download" href="/queue/mbox?sender-domain=vendor.example">Download these 3 as mbox</a>');
    const reply = await c.get('/queue/mbox?sender-domain=vendor.example', { cookie: c.cookie });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/mbox');
    expect(reply.headers['content-disposition']).toMatch(/^attachment; filename="backup-mx-queue-\d{8}T\d{6}Z\.mbox"$/);
    const entries = readMbox(reply.bytes);
    // "Both routes" is listed once per route (3 rows) but stored once per route too: each stored object once.
    const subjects = entries.map((e) => /^Subject: (.*)\r$/m.exec(e.raw.toString('latin1'))?.[1]);
    expect(subjects[0]).toBe('Old');
    expect(subjects.slice(1)).toEqual(Array(subjects.length - 1).fill('Both routes'));
    expect(subjects).not.toContain('Not selected');
    const [detail] = await c.target.operator.show(old, 'main');
    const { body } = await c.fx.deps.store.open(detail!.objectKey);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    expect(entries[0]!.raw.equals(Buffer.concat(chunks))).toBe(true);
    expect(entries[0]!.fromLine).toMatch(/^From a@vendor\.example /);
    expect(both).toBeTruthy();
  });
});

describe('bulk delete and requeue of the queue page’s selection', () => {
  it('the confirmation lists exactly the selection with its count; the POST deletes only those: a message arriving meanwhile stays', async () => {
    const picked = [
      await c.fx.queue({ recipients: ['bob@example.com'], sender: 'spam@junk.example', subject: 'Spam one' }),
      await c.fx.queue({ recipients: ['bob@example.com'], sender: 'more@junk.example', subject: 'Spam <two>' }),
    ];
    const other = await c.fx.queue({ recipients: ['bob@example.com'], sender: 'boss@acme.example', subject: 'Keep' });
    const page = (await c.get('/queue?sender-domain=junk.example', { cookie: c.cookie })).body;
    expect(page).toContain('<a class="action" href="/confirm/bulk-delete?sender-domain=junk.example">Delete these 2…</a>');
    const form = await confirmForm(c, 'bulk-delete', { 'sender-domain': 'junk.example' });
    expect(form.page).toContain('Delete these 2 messages for good?');
    const listed = [...form.page.matchAll(/<tr data-id="([^"]+)">/g)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...picked].sort());
    expect(form.page).toContain('Spam &lt;two&gt;');
    expect(JSON.parse(form.fields.messages!)).toEqual(picked.map((id) => ['main', id]));
    // Between the confirmation and the POST, the same sender sends again.
    const late = await c.fx.queue({ recipients: ['bob@example.com'], sender: 'late@junk.example', subject: 'Spam three' });
    const done = await post(c, form);
    expect(done.ok).toBe(true);
    expect(done.banner).toMatch(/^-- deleted 2 of 2 messages; 0 skipped; 0 failed/);
    for (const id of picked) expect(await stillQueued(id), id).toBe(false);
    expect(await stillQueued(late)).toBe(true);
    expect(await stillQueued(other)).toBe(true);
  });

  it('refused without the cookie, the CSRF token or the Origin, and a list naming a message outside the filter does not reach it', async () => {
    const id = await c.fx.queue({ recipients: ['bob@example.com'], sender: 'spam@junk.example' });
    const keep = await c.fx.queue({ recipients: ['bob@example.com'], sender: 'boss@acme.example' });
    const form = await confirmForm(c, 'bulk-delete', { 'sender-domain': 'junk.example' });
    const { csrf: _csrf, ...noCsrf } = form.fields;
    expect((await c.post('/action/bulk-delete', noCsrf)).status).toBe(403);
    expect((await c.post('/action/bulk-delete', form.fields, { cookie: '' })).status).toBe(403);
    expect((await c.post('/action/bulk-delete', form.fields, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await c.post('/action/bulk-delete', { ...form.fields, csrf: form.fields.csrf!.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A')) })).status).toBe(403);
    expect(await stillQueued(id)).toBe(true);
    // A list that is not ours is refused; one naming a message the filter does not select leaves that message alone.
    const garbled = await post(c, { action: form.action, fields: { ...form.fields, messages: 'all' } });
    expect(garbled.ok).toBe(false);
    expect(garbled.banner).toMatch(/^messages: /);
    const flat = await post(c, { action: form.action, fields: { ...form.fields, messages: JSON.stringify(['main', id]) } });
    expect(flat.ok).toBe(false);
    expect(flat.banner).toMatch(/^messages: not a list of at most 500 \[route, id\] pairs/);
    expect(await stillQueued(id)).toBe(true);
    const widened = await post(c, { action: form.action, fields: { ...form.fields, messages: JSON.stringify([['main', id], ['main', keep]]) } });
    expect(widened.banner).toMatch(/^-- deleted 1 of 2 messages; 1 skipped; 0 failed/);
    expect(await stillQueued(id)).toBe(false);
    expect(await stillQueued(keep)).toBe(true);
  });

  it('a form carrying hundreds of ids (over the 16 KiB other actions take) is taken; ids no longer there count as skipped', async () => {
    const id = await c.fx.queue({ recipients: ['bob@example.com'], sender: 'spam@junk.example' });
    const form = await confirmForm(c, 'bulk-delete', { 'sender-domain': 'junk.example' });
    const gone = Array.from({ length: 400 }, (_, i) => ['main', `${String(i).padStart(4, '0')}${'0'.repeat(56)}`]);
    const messages = JSON.stringify([['main', id], ...gone]);
    expect(messages.length).toBeGreaterThan(16 * 1024);
    const done = await post(c, { action: form.action, fields: { ...form.fields, messages } });
    expect(done.banner).toMatch(/^-- deleted 1 of 401 messages; 400 skipped; 0 failed/);
    expect(await stillQueued(id)).toBe(false);
  });

  it('requeue: the dead letters of the selection go back to their queue, with counts', async () => {
    c.fx.primary.script = { rcpt: { 'nobody@example.net': { code: 550, enhanced: '5.1.1', text: 'no such user' } } };
    const dead = [await c.fx.queue({ recipients: ['nobody@example.net'], subject: 'Lost one' }), await c.fx.queue({ recipients: ['nobody@example.net'], subject: 'Lost two' })];
    expect((await c.fx.cli('flush', 'other')).code).toBe(0);
    c.fx.primary.script = {};
    const page = (await c.get('/queue?route=other', { cookie: c.cookie })).body;
    expect(page).toContain(' · <a class="action" href="/confirm/bulk-requeue?route=other">Requeue the 2 dead-lettered…</a>');
    const form = await confirmForm(c, 'bulk-requeue', { route: 'other' });
    expect(form.page).toContain('Requeue the dead letters of these 2 messages (2 records)?');
    const done = await post(c, form);
    expect(done.banner).toMatch(/^-- requeued 2 of 2 dead letters \(2 messages\); 0 skipped; 0 failed/);
    for (const id of dead) expect(await c.target.operator.requeue.find(id, 'other'), id).toHaveProperty('queued');
  });

  it(`over ${SELECTION_MAX} messages: the queue page says so instead of the links, and the download and the confirmation refuse naming the cap`, async () => {
    for (let i = 0; i <= SELECTION_MAX; i++) await c.fx.queue({ recipients: ['bob@example.com'], sender: `s${i}@bulk.example` });
    const page = (await c.get('/queue?sender-domain=bulk.example', { cookie: c.cookie })).body;
    expect(page).toContain(`Download and bulk actions take at most ${SELECTION_MAX} messages`);
    expect(page).not.toContain('href="/confirm/bulk-delete');
    const mbox = await c.get('/queue/mbox?sender-domain=bulk.example', { cookie: c.cookie });
    expect(mbox.status).toBe(413);
    expect(mbox.body).toContain(`${SELECTION_MAX + 1} messages are selected: a download from the console holds at most ${SELECTION_MAX}`);
    const confirm = await c.get('/confirm/bulk-delete?sender-domain=bulk.example', { cookie: c.cookie });
    expect(confirm.status).toBe(400);
    expect(confirm.body).toContain(`the console acts on at most ${SELECTION_MAX} at once`);
    expect(confirm.body).not.toContain('method="post"');
  }, 120_000);
});

describe('replay', () => {
  it('the confirmation lists what the window would send again; the POST queues those as replays; refused without the CSRF token', async () => {
    const id = await c.fx.queue({ recipients: ['bob@example.com'], subject: 'Lost by the primary' });
    expect((await c.fx.cli('flush', 'main')).code).toBe(0);
    const form = await confirmForm(c, 'replay', { route: 'main', since: '1h' });
    expect(form.page).toMatch(/Deliver this message to \S+ again\?/);
    expect(form.page).toContain(`<tr data-id="${id}">`);
    expect(form.fields.since).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(JSON.parse(form.fields.messages!)).toEqual([id]);
    const { csrf: _csrf, ...noCsrf } = form.fields;
    expect((await c.post('/action/replay', noCsrf)).status).toBe(403);
    expect((await c.target.operator.listQueued('main')).map((q) => q.messageId)).toEqual([]);
    const done = await post(c, form);
    expect(done.banner).toMatch(/^queued 1 replay on route main \(ids end in \.replay-/);
    expect((await c.target.operator.listQueued('main')).map((q) => q.messageId)).toEqual([expect.stringMatching(new RegExp(`^${id}\\.replay-`))]);
  });
});
