// Trigger Lambda, behind a function URL: the primary's "I'm back" call
// (POST /<route>, HMAC-signed; see core/operator/trigger-signature.ts). Refuses cheaply
// (core/operator/trigger-drain.ts), then asks the probe function to check the route now.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { answer, isAnswer, triggerRequest, type HttpAnswer } from '../adapters/http/trigger-http.js';
import { lambdaEnv } from '../app/lambda-env.js';
import { awsTriggerUseCase } from '../app/trigger-app.js';
import type { TriggerDrain } from '../core/operator/trigger-drain.js';

export function makeTriggerHandler(getUseCase: () => TriggerDrain | Promise<TriggerDrain>) {
  return async (event: Pick<APIGatewayProxyEventV2, 'rawPath' | 'headers' | 'requestContext'>): Promise<HttpAnswer> => {
    const request = triggerRequest(event.requestContext.http.method, event.rawPath, event.headers);
    const useCase = await getUseCase();
    if (isAnswer(request)) {
      await useCase.refusedHttp();
      return request;
    }
    return answer(await useCase.handle(request));
  };
}

// Built once per container and kept: the HMAC key is read at most every few minutes, the route table once.
let useCase: TriggerDrain | undefined;
export const handler = makeTriggerHandler(() => (useCase ??= awsTriggerUseCase(lambdaEnv())));
