// The console's message page and raw download on a local backup MX: show's
// details (envelope, recipient states, attempts), the attachments, the body
// preview (text escaped, HTML sanitized into a sandboxed srcdoc frame, a
// message past the bound refused), and the .eml byte for byte.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cleanHtml, PREVIEW_MAX_BYTES, previewMessage } from '../../../cli/console/pages/message-preview.js';
import { CONTENT_SECURITY_POLICY } from '../../../cli/console/security.js';
import { startConsoleFixture, type ConsoleFixture } from '../../support/console/console-fixture.js';
import { hostileHtml, multipartWithAttachments, oversized, storeRaw } from '../../support/console/mime-messages.js';

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

const page = (path: string) => c.get(path, { cookie: c.cookie });
/** The srcdoc attribute, unescaped as the browser reads it. */
const srcdoc = (body: string) => {
  const m = /<iframe class="preview-html" sandbox srcdoc="([^"]*)"/.exec(body);
  return m?.[1]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
};

describe('the message page', () => {
  it('shows the envelope, each recipient\'s state and attempts, the headers, the attachments and the HTML part', async () => {
    c.fx.primary.script = { rcpt: { 'carol@example.com': { code: 450, enhanced: '4.2.1', text: 'mailbox busy' } } };
    const id = await c.fx.queue({ recipients: ['bob@example.com', 'carol@example.com'], sender: 'ceo@acme.example', subject: 'Contract from ACME' });
    await storeRaw(c, id, multipartWithAttachments());
    expect((await c.fx.cli('flush', 'main')).code).toBe(0);
    c.fx.primary.script = {};

    const reply = await page(`/message?id=${id}&route=main`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    const body = reply.body;
    expect(body).toContain('<td class="sender">&lt;ceo@acme.example&gt;</td>');
    expect(body).toMatch(/<tr data-recipient="bob@example.com">.*<span class="state delivered">delivered<\/span>/);
    expect(body).toMatch(/<tr data-recipient="carol@example.com">.*<span class="state deferred">deferred<\/span><\/td><td>1 try<\/td><td>450 4.2.1 mailbox busy<\/td>/);
    expect(body).toMatch(/<table class="attempts">[\s\S]*carol@example.com[\s\S]*450 4.2.1 mailbox busy/);
    expect(body).toContain('<td class="header">Contract from ACME</td>');
    const names = [...body.matchAll(/<td class="attachment-name">([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(names).toEqual(['contract-signed.pdf', 'prévisions.csv']);
    expect(body).toContain('<td>application/pdf</td>');
    expect(srcdoc(body)).toBe('<p>Hello Bob, the <strong>signed contract</strong> is attached.</p>');
    // The text part is in a <pre>, escaped.
    expect(body).toContain('<pre class="preview-text">Hello Bob, the signed contract is attached. &lt;b&gt;not markup&lt;/b&gt;');
    expect(body).toContain(`<a href="/message/raw?id=${id}" download>`);
    expect(body).not.toMatch(/<script/i);
  });

  it('a text-only message is shown escaped in a <pre>, with no frame', async () => {
    const id = await c.fx.queue({ recipients: ['bob@example.com'], subject: 'plain' });
    await storeRaw(c, id, ['Subject: plain', 'Content-Type: text/plain', '', '<script>alert(1)</script> & more', ''].join('\r\n'));
    const body = (await page(`/message?id=${id}`)).body;
    expect(body).toContain('<pre class="preview-text">&lt;script&gt;alert(1)&lt;/script&gt; &amp; more');
    expect(body).not.toContain('<iframe');
    expect(body).toContain('<p class="none">No attachment.</p>');
  });

  it('a hostile HTML part reaches the frame with no script, handler, form, style, frame, link, meta or image source', async () => {
    const id = await c.fx.queue({ recipients: ['bob@example.com'], subject: 'Invoice overdue' });
    await storeRaw(c, id, hostileHtml());
    const body = (await page(`/message?id=${id}`)).body;
    const frame = /<iframe [^>]*>/.exec(body)![0];
    // An empty sandbox: no allow-scripts, allow-forms, allow-popups, allow-same-origin, allow-top-navigation.
    expect(frame).toMatch(/ sandbox srcdoc=/);
    expect(frame).not.toMatch(/allow-/);
    const doc = srcdoc(body)!;
    expect(doc).toContain('Pay the invoice');
    expect(doc).toContain('[image: tracking pixel]');
    expect(doc).not.toMatch(/<(script|style|form|input|iframe|link|meta|img|svg|image)\b/i);
    expect(doc).not.toMatch(/\son\w+=|style=|javascript:|src=/i);
    expect(doc).not.toMatch(/tracker\.example|styles\.example|forms\.example|refresh\.example/);
    // The outer page: the frame's markup is an attribute value, never markup of the page.
    expect(body.replace(/srcdoc="[^"]*"/, '')).not.toMatch(/<(script|form|img|style|iframe src|meta http-equiv)|(href|src)="?(https?:)?\/\//i);
  });

  it('a message past the bound is not parsed: the page says it is too large to preview', async () => {
    const id = await c.fx.queue({ recipients: ['bob@example.com'], subject: 'Huge scan' });
    await storeRaw(c, id, oversized(PREVIEW_MAX_BYTES));
    const reply = await page(`/message?id=${id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatch(/<p class="notice preview-too-large">Too large to preview: over the 5\.0 MiB the console parses/);
    expect(reply.body).not.toContain('x'.repeat(76));
    expect(reply.body).toContain(`/message/raw?id=${id}`);
  });

  it('an unknown id is a 404 naming it, a missing id a 400; both escaped', async () => {
    const unknown = await page(`/message?id=${encodeURIComponent('<b>nope</b>')}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('no message with id &lt;b&gt;nope&lt;/b&gt;');
    const missing = await page('/message');
    expect(missing.status).toBe(400);
    expect(missing.body).toContain('<p class="error" role="alert">id: the message id is missing');
  });

  it('the queue page links each id to its message page', async () => {
    const id = await c.fx.queue({ recipients: ['bob@example.com'] });
    expect((await page('/queue')).body).toContain(`<a href="/message?id=${id}&amp;route=main">${id}</a>`);
  });

  it('without the token the message page and the raw download are 403, with none of the data', async () => {
    const id = await c.fx.queue({ recipients: ['bob@example.com'], subject: 'Secret merger' });
    for (const path of [`/message?id=${id}`, `/message/raw?id=${id}`]) {
      const reply = await c.get(path);
      expect(reply.status, path).toBe(403);
      expect(reply.body).not.toMatch(/Secret merger|example\.com/);
    }
  });
});

describe('the raw download', () => {
  it('serves the stored object byte for byte as message/rfc822, as an attachment named <id>.eml', async () => {
    const id = await c.fx.queue({ recipients: ['bob@example.com', 'dan@example.net'] });
    // Bytes a text decode would change: a lone CR, invalid UTF-8, a NUL.
    const raw = Buffer.concat([Buffer.from(multipartWithAttachments()), Buffer.from([0x0d, 0xff, 0xfe, 0x00, 0x0a])]);
    const [key] = await storeRaw(c, id, raw);
    const reply = await rawGet(`/message/raw?id=${id}`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('message/rfc822');
    expect(reply.headers['content-disposition']).toBe(`attachment; filename="${id}.eml"`);
    expect(reply.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(reply.headers['cache-control']).toBe('no-store');
    const object = await c.fx.clients.s3.send(new GetObjectCommand({ Bucket: c.fx.resources.bucketName, Key: key! }));
    const stored = Buffer.from(await object.Body!.transformToByteArray());
    expect(reply.bytes.equals(stored)).toBe(true);
    expect(reply.bytes.equals(raw)).toBe(true);
  });

  it('an unknown id is a 404', async () => {
    expect((await rawGet('/message/raw?id=nope')).status).toBe(404);
    expect((await rawGet('/message/raw')).status).toBe(400);
  });
});

describe('the preview\'s parts', () => {
  it('a size known past the bound is refused before a byte is read', async () => {
    let read = false;
    const body = new Readable({ read() { read = true; this.push(null); } });
    expect(await previewMessage(body, PREVIEW_MAX_BYTES + 1)).toEqual({ kind: 'too-large', size: PREVIEW_MAX_BYTES + 1 });
    expect(read).toBe(false);
  });

  it('a stream past the bound is stopped at the bound, whatever size was announced', async () => {
    let pushed = 0;
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const body = new Readable({ read() { pushed += chunk.length; this.push(pushed > 20 * PREVIEW_MAX_BYTES ? null : chunk); } });
    expect(await previewMessage(body, 100)).toEqual({ kind: 'too-large' });
    expect(pushed).toBeLessThan(PREVIEW_MAX_BYTES + 4 * chunk.length);
    expect(body.destroyed).toBe(true);
  });

  it('the sanitizer drops a protocol-relative link and data: images too', () => {
    expect(cleanHtml('<a href="//evil.example/x">a</a><img src="data:image/png;base64,AAAA" alt="d">')).toBe('<a>a</a><span>[image: d]</span>');
  });
});

/** A download as served, byte for byte (the fixture leaves `bytes` untouched). */
function rawGet(path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; bytes: Buffer }> {
  return c.get(path, { cookie: c.cookie });
}
