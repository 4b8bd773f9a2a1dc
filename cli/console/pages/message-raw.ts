// `/message/raw?id=…`: the stored object, byte for byte, as a download
// (what `show <id> --raw` writes). Every route's copy is the same object.
import type { MessageDetail } from '../../../lambdas/core/operator/message-details.js';
import { messageDetails } from '../../commands/show.js';
import { UnknownMessageError } from '../../errors.js';
import type { Target } from '../../target.js';
import { messageQuery } from './message.js';

export interface Download {
  status: number;
  body: string | Buffer;
  type: string;
  headers?: Record<string, string>;
}

const TEXT = 'text/plain; charset=utf-8';

/** The stored copy the query's id (and route) names, or the download that says why there is none (400 / 404). */
export async function storedCopy(target: Target, params: URLSearchParams): Promise<MessageDetail | Download> {
  const { id, route } = messageQuery(params);
  if (id === undefined) return { status: 400, type: TEXT, body: 'id: the message id is missing\n' };
  let stored;
  try {
    stored = (await messageDetails(target, id, route)).find((d) => d.stored);
  } catch (error) {
    if (error instanceof UnknownMessageError) return { status: 404, type: TEXT, body: `${error.message}\n` };
    throw error;
  }
  return stored ?? { status: 404, type: TEXT, body: `${id}: its raw message is gone from the bucket\n` };
}

export const isDownload = (found: MessageDetail | Download): found is Download => 'status' in found;

export async function rawDownload(target: Target, params: URLSearchParams): Promise<Download> {
  const stored = await storedCopy(target, params);
  if (isDownload(stored)) return stored;
  // In memory, not on disk (nothing the console serves is written anywhere); SES caps a message at 40 MB.
  const chunks: Buffer[] = [];
  for await (const chunk of await target.operator.rawMessage(stored.objectKey)) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return {
    status: 200,
    type: 'message/rfc822',
    body: Buffer.concat(chunks),
    // The name from the id the index knows, reduced to safe characters: no quote or line break reaches the header.
    headers: { 'Content-Disposition': `attachment; filename="${stored.id.replace(/[^A-Za-z0-9._-]/g, '_')}.eml"` },
  };
}
