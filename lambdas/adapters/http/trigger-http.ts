// The trigger's HTTP shape, shared by the Lambda function URL handler and the
// local runner's listener: `POST /<route>` with the headers below; the answer
// is JSON `{ "message": ... }` with the use case's status (and Retry-After).
import type { TriggerRequest, TriggerResult } from '../../core/operator/trigger-drain.js';

export const TIMESTAMP_HEADER = 'x-backupmx-timestamp';
export const SIGNATURE_HEADER = 'x-backupmx-signature';

export interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** The request, or the answer to give at once (wrong method or path). */
export function triggerRequest(method: string, rawPath: string, headers: Record<string, string | string[] | undefined>): TriggerRequest | HttpAnswer {
  const header = (name: string) => {
    const value = headers[name] ?? headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  };
  if (method.toUpperCase() !== 'POST') return answer({ status: 405, message: 'use POST /<route>' });
  const route = decodePath(rawPath.split('?')[0]!.replace(/^\/+|\/+$/g, ''));
  if (route === undefined || !/^[a-z0-9-]{1,32}$/.test(route)) return answer({ status: 404, message: 'use POST /<route> with the route name' });
  const timestamp = header(TIMESTAMP_HEADER);
  const signature = header(SIGNATURE_HEADER);
  return { route, ...(timestamp ? { timestamp } : {}), ...(signature ? { signature } : {}) };
}

/** The path's text, or undefined for a malformed escape such as `%E0` (answered 404, never an error). */
function decodePath(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

export function answer(result: TriggerResult): HttpAnswer {
  return {
    statusCode: result.status,
    headers: { 'content-type': 'application/json', ...(result.retryAfterSeconds ? { 'retry-after': String(result.retryAfterSeconds) } : {}) },
    body: `${JSON.stringify({ message: result.message })}\n`,
  };
}

export const isAnswer = (value: TriggerRequest | HttpAnswer): value is HttpAnswer => 'statusCode' in value;
