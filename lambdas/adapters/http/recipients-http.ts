// The recipient push's HTTP shape, shared by the Lambda function URL handler
// and the local runner's listener: `POST /<route>/recipients[?force=1]` with
// the trigger's two headers and one address per line as the body; the answer
// is JSON `{ "message", "reason"?, "added"?, ... }` with the use case's status.
import type { PushAnswer, PushRequest } from '../../core/recipients/push-endpoint.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, type HttpAnswer } from './trigger-http.js';

const PUSH_PATH = /^\/+([a-z0-9-]{1,32})\/recipients\/*$/;

/** The route a path pushes to, or undefined when it is not a push path (the trigger's then). */
export function pushRoute(rawPath: string): string | undefined {
  return PUSH_PATH.exec(rawPath.split('?')[0]!)?.[1];
}

/**
 * The request, or the answer to give at once (wrong method or query). `host`
 * is where the request arrived as the receiving side knows it (the function
 * URL's domain from the request context, the runner's own host:port), never
 * the caller's Host header: it is part of what the primary signs.
 */
export function recipientsRequest(method: string, rawUrl: string, headers: Record<string, string | string[] | undefined>, body: Uint8Array, host: string): PushRequest | HttpAnswer {
  const header = (name: string) => {
    const value = headers[name] ?? headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  };
  if (method.toUpperCase() !== 'POST') return json(405, { message: 'use POST /<route>/recipients' });
  const route = pushRoute(rawUrl);
  if (!route) return json(404, { message: 'use POST /<route>/recipients' });
  const query = rawUrl.includes('?') ? rawUrl.slice(rawUrl.indexOf('?') + 1) : '';
  // Only "force=1" or nothing: any other query is refused, so what was signed is what is read.
  if (query !== '' && query !== 'force=1') return json(400, { message: 'the only query a push takes is ?force=1' });
  const timestamp = header(TIMESTAMP_HEADER);
  const signature = header(SIGNATURE_HEADER);
  return { host, route, force: query === 'force=1', body, ...(timestamp ? { timestamp } : {}), ...(signature ? { signature } : {}) };
}

export function pushAnswer(answer: PushAnswer): HttpAnswer {
  const http = json(answer.status, { message: answer.message, ...(answer.reason ? { reason: answer.reason } : {}), ...(answer.result ?? {}) });
  return answer.retryAfterSeconds ? { ...http, headers: { ...http.headers, 'retry-after': String(answer.retryAfterSeconds) } } : http;
}

export const isHttpAnswer = (value: PushRequest | HttpAnswer): value is HttpAnswer => 'statusCode' in value;

function json(statusCode: number, body: Record<string, unknown>): HttpAnswer {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: `${JSON.stringify(body)}\n` };
}
