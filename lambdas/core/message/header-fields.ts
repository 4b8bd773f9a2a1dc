// Reads the header section of a raw message the way SES reports it in a
// notification: fields in order, folded lines joined with one space, the list
// cut off (headersTruncated) past 10 KB.

export interface HeaderField {
  name: string;
  value: string;
}

/** SES truncates the notification's header list when the headers exceed 10 KB. */
export const NOTIFICATION_HEADERS_LIMIT_BYTES = 10 * 1024;

/** The header section: everything before the first empty line (CRLF or bare LF). */
export function headerSection(raw: Buffer): string {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const ends = [crlf, lf].filter((index) => index >= 0);
  const end = ends.length ? Math.min(...ends) : raw.length;
  return raw.subarray(0, end).toString('utf8');
}

export function parseHeaderFields(section: string): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const line of section.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && fields.length) {
      // A folded continuation: SES joins it with a single space.
      fields[fields.length - 1].value += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // not a header field (e.g. an mbox "From " line): SES skips it too
    fields.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return fields;
}

/** The fields that fit in SES's notification limit, and whether some were dropped. */
export function limitHeaderFields(fields: HeaderField[]): { headers: HeaderField[]; truncated: boolean } {
  let size = 0;
  const headers: HeaderField[] = [];
  for (const field of fields) {
    size += Buffer.byteLength(field.name) + Buffer.byteLength(field.value) + 4;
    if (size > NOTIFICATION_HEADERS_LIMIT_BYTES) return { headers, truncated: true };
    headers.push(field);
  }
  return { headers, truncated: false };
}

/** Splits an address list at top-level commas (not inside quotes, comments or <>). */
export function splitAddressList(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let angle = 0;
  let comment = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      current += ch;
      if (ch === '\\' && i + 1 < value.length) current += value[++i];
      else if (ch === '"') quoted = false;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === '(') comment++;
    else if (ch === ')' && comment > 0) comment--;
    else if (ch === '<') angle++;
    else if (ch === '>' && angle > 0) angle--;
    else if (ch === ',' && angle === 0 && comment === 0) {
      if (current.trim()) parts.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

/** The bare address of one mailbox ("Name <a@b>" → "a@b"). */
export function bareAddress(mailbox: string): string {
  const angled = /<([^<>]*)>\s*$/.exec(mailbox);
  return (angled ? angled[1] : mailbox.replace(/\([^)]*\)/g, '')).trim();
}
