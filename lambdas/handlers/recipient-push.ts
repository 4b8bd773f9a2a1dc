// Recipient push Lambda, behind its own function URL: the primary POSTs a
// synced route's valid addresses (POST /<route>/recipients[?force=1], signed;
// core/recipients/push-endpoint.ts refuses cheaply, stores the list and asks
// the private rule writer to write the SES rules). Its own function, not the
// trigger's: the two need different grants, and each keeps only its own.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { isHttpAnswer, pushAnswer, recipientsRequest } from '../adapters/http/recipients-http.js';
import type { HttpAnswer } from '../adapters/http/trigger-http.js';
import { lambdaEnv } from '../app/lambda-env.js';
import { awsRecipientPush } from '../app/recipient-push-app.js';
import type { RecipientPushEndpoint } from '../core/recipients/push-endpoint.js';

type PushEvent = Pick<APIGatewayProxyEventV2, 'rawPath' | 'rawQueryString' | 'headers' | 'requestContext' | 'body' | 'isBase64Encoded'>;

export function makeRecipientPushHandler(getUseCase: () => RecipientPushEndpoint) {
  return async (event: PushEvent): Promise<HttpAnswer> => {
    const body = event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
    const url = event.rawQueryString ? `${event.rawPath}?${event.rawQueryString}` : event.rawPath;
    // The host signed is the function URL's own domain from the request context, never a header the caller sets.
    const request = recipientsRequest(event.requestContext.http.method, url, event.headers, body, event.requestContext.domainName);
    if (isHttpAnswer(request)) {
      await getUseCase().refusedHttp();
      return request;
    }
    return pushAnswer(await getUseCase().handle(request));
  };
}

let useCase: RecipientPushEndpoint | undefined;
export const handler = makeRecipientPushHandler(() => (useCase ??= awsRecipientPush(lambdaEnv())));
