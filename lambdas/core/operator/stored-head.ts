// The key header fields of a stored message, read from the head of its S3
// object (the body is never downloaded), and the SES verdicts SES wrote there:
// what `show` prints beside the envelope (message-details.ts).
import { parseHeaderFields } from '../message/header-fields.js';
import { readMessageHead } from '../message/message-head.js';
import { MessageMissingError, type MessageStore } from '../message/ports.js';
import type { StoredHead } from './message-details.js';

export const KEY_HEADERS = ['From', 'To', 'Cc', 'Subject', 'Date', 'Message-ID'] as const;

export type { StoredHead };

/** The head of the object, or undefined when the object is gone. */
export async function readStoredHead(store: MessageStore, objectKey: string): Promise<StoredHead | undefined> {
  let opened;
  try {
    opened = await store.open(objectKey);
  } catch (error) {
    if (error instanceof MessageMissingError) return undefined;
    throw error;
  }
  const head = await readMessageHead(opened.body, 64 * 1024);
  head.body.destroy();
  const fields = parseHeaderFields(head.head.toString('utf8'));
  const first = (name: string) => fields.find((f) => f.name.toLowerCase() === name.toLowerCase())?.value;
  const headers = KEY_HEADERS.flatMap((name) => {
    const value = first(name);
    return value === undefined ? [] : [{ name, value }];
  });
  const verdicts: Record<string, string> = {};
  const spam = first('X-SES-Spam-Verdict');
  const virus = first('X-SES-Virus-Verdict');
  if (spam) verdicts.spam = spam;
  if (virus) verdicts.virus = virus;
  const auth = first('Authentication-Results') ?? '';
  for (const method of ['spf', 'dkim', 'dmarc']) {
    const match = new RegExp(`\\b${method}=([a-z]+)`, 'i').exec(auth);
    if (match) verdicts[method] = match[1]!.toUpperCase();
  }
  return { headers, verdicts };
}
