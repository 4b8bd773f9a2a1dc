// The message page's body preview: the stored object read up to a bound,
// parsed by mailparser, its HTML cleaned by sanitize-html (a maintained
// sanitizer, not rules of our own). Mail is a stranger's input: nothing here
// lets it run script or reach the network when the page draws it.
import type { Readable } from 'node:stream';
import { simpleParser } from 'mailparser';
import sanitizeHtml from 'sanitize-html';

/** Past this the page says "too large to preview" (the raw .eml still downloads): parsing holds the whole message in memory. */
export const PREVIEW_MAX_BYTES = 5 * 1024 * 1024;

export interface AttachmentView {
  name: string;
  type: string;
  size: number;
}

export type Preview =
  /** size: when known before the read (the index's); a read stopped at the bound knows only that it is past it. */
  | { kind: 'too-large'; size?: number }
  | { kind: 'unreadable'; why: string }
  | { kind: 'parsed'; text?: string; html?: string; attachments: AttachmentView[] };

/**
 * Reads at most PREVIEW_MAX_BYTES of the body (stopping the download past
 * that, so a 40 MB message costs at most the bound), then parses it.
 */
export async function previewMessage(body: Readable, knownSize?: number): Promise<Preview> {
  if (knownSize !== undefined && knownSize > PREVIEW_MAX_BYTES) {
    body.destroy();
    return { kind: 'too-large', size: knownSize };
  }
  const bytes = await readBounded(body, PREVIEW_MAX_BYTES);
  if (bytes === undefined) return { kind: 'too-large' };
  try {
    const parsed = await simpleParser(bytes, { skipImageLinks: true, skipTextToHtml: true });
    const attachments = parsed.attachments.map((a) => ({ name: a.filename ?? '(no name)', type: a.contentType, size: a.size }));
    return {
      kind: 'parsed',
      ...(parsed.text !== undefined ? { text: parsed.text } : {}),
      ...(typeof parsed.html === 'string' ? { html: cleanHtml(parsed.html) } : {}),
      attachments,
    };
  } catch (error) {
    return { kind: 'unreadable', why: error instanceof Error ? error.message : String(error) };
  }
}

/** The whole stream if it fits in `max` bytes, else undefined (the stream destroyed at the bound). */
async function readBounded(body: Readable, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += buf.length;
    if (total > max) {
      body.destroy();
      return undefined;
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/**
 * A mail's HTML as the frame may show it: structure and text only.
 * - sanitize-html's default tag list has no script, style, form, input,
 *   iframe, object, link or meta, and no attribute it keeps is an event
 *   handler; `style` attributes are not kept either (no position:fixed
 *   overlay, no CSS that loads a URL).
 * - Images: every `src` is dropped and the image becomes its alt text. Not
 *   only remote ones: the frame inherits the console's CSP (img-src 'none'),
 *   so even a data: image would only be a blocked load. The raw .eml has them.
 * - Links keep their address to read, but a click cannot leave: the sandbox
 *   has no allow-popups / allow-top-navigation, and the console's CSP
 *   (frame-src 'none') blocks the frame's own navigation.
 */
export function cleanHtml(dirty: string): string {
  return sanitizeHtml(dirty, {
    allowedTags: sanitizeHtml.defaults.allowedTags.filter((t) => t !== 'img'),
    allowedAttributes: { a: ['href', 'title'], td: ['colspan', 'rowspan'], th: ['colspan', 'rowspan'], '*': ['dir', 'lang'] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    // img is not an allowed tag: this turns it into plain text before the tag filter would drop it silently.
    transformTags: { img: (_tag, attribs) => ({ tagName: 'span', attribs: {}, text: `[image${attribs.alt ? `: ${attribs.alt}` : ''}]` }) },
  });
}
