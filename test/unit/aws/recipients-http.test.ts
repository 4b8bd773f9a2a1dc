// The recipient push's HTTP shape and its Lambda handler's event reading:
// only POST /<route>/recipients with nothing or force=1 as the query (what was
// signed is what is read), a base64 body decoded as sent, the host signed
// taken from the request context (never the caller's Host header), and
// refusals answered before the use case handles anything (only counted).
import { describe, expect, it } from 'vitest';
import { pushRoute, recipientsRequest } from '../../../lambdas/adapters/http/recipients-http.js';
import type { PushRequest } from '../../../lambdas/core/recipients/push-endpoint.js';
import { makeRecipientPushHandler } from '../../../lambdas/handlers/recipient-push.js';

const body = Buffer.from('a@example.com\n');

describe('recipientsRequest', () => {
  it('takes POST /<route>/recipients, force only as ?force=1', () => {
    expect(pushRoute('/corp/recipients')).toBe('corp');
    expect(pushRoute('/corp')).toBeUndefined();
    expect(recipientsRequest('POST', '/corp/recipients', { 'x-backupmx-timestamp': '1', 'x-backupmx-signature': 'ab', host: 'evil.example' }, body, 'h.example')).toMatchObject({ host: 'h.example', route: 'corp', force: false, timestamp: '1', signature: 'ab' });
    expect(recipientsRequest('POST', '/corp/recipients?force=1', {}, body, 'h.example')).toMatchObject({ force: true });
  });

  it('answers at once: another method 405, another path 404, any other query 400', () => {
    expect(recipientsRequest('GET', '/corp/recipients', {}, body, 'h.example')).toMatchObject({ statusCode: 405 });
    expect(recipientsRequest('POST', '/Corp/recipients', {}, body, 'h.example')).toMatchObject({ statusCode: 404 });
    expect(recipientsRequest('POST', '/corp/recipients?force=true', {}, body, 'h.example')).toMatchObject({ statusCode: 400 });
    expect(recipientsRequest('POST', '/corp/recipients?force=1&force=0', {}, body, 'h.example')).toMatchObject({ statusCode: 400 });
  });
});

describe('the push function\'s handler', () => {
  it('decodes a base64 body as sent and passes the query and the function URL\'s domain; a refused shape is only counted', async () => {
    const seen: PushRequest[] = [];
    const refused: string[] = [];
    const handler = makeRecipientPushHandler(() => {
      return { handle: async (request: PushRequest) => (seen.push(request), { status: 200 as const, message: 'ok' }), refusedHttp: async (why = 'http') => void refused.push(why) } as never;
    });
    const event = (method: string, query: string, text: string, isBase64Encoded: boolean) => ({
      rawPath: '/corp/recipients',
      rawQueryString: query,
      // The Host header is the caller's: the host signed is the request context's domain.
      headers: { host: 'other-stack.lambda-url.us-east-1.on.aws' },
      requestContext: { http: { method }, domainName: 'this-stack.lambda-url.us-east-1.on.aws' } as never,
      body: isBase64Encoded ? Buffer.from(text).toString('base64') : text,
      isBase64Encoded,
    });
    expect((await handler(event('GET', '', 'x', false))).statusCode).toBe(405);
    expect(refused).toEqual(['http']); // counted in RecipientPushRefused, as every refusal
    expect((await handler(event('POST', 'force=1', 'b@example.com\n', true))).statusCode).toBe(200);
    expect(Buffer.from(seen[0]!.body).toString()).toBe('b@example.com\n');
    expect(seen[0]!.force).toBe(true);
    expect(seen[0]!.host).toBe('this-stack.lambda-url.us-east-1.on.aws');
  });
});
