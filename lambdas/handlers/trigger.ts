// Trigger Lambda, behind a function URL: the primary's "I'm back" call
// (POST /<route>, HMAC-signed; see core/trigger-signature.ts). Checks the
// primary itself, then starts the route's drain by an async invoke.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { SecretsTriggerKey } from '../adapters/aws/secrets-trigger-key.js';
import { LambdaDrainStarter } from '../adapters/aws/lambda-drain-starter.js';
import { answer, isAnswer, triggerRequest, type HttpAnswer } from '../adapters/http/trigger-http.js';
import { cachedEngine } from '../app/runtime-settings.js';
import { triggerUseCase } from '../app/trigger-app.js';
import { ENV, SettingsError } from '../config/settings.js';
import type { TriggerDrain } from '../core/trigger-drain.js';

let useCase: TriggerDrain | undefined;
const engineOnce = cachedEngine();

export function makeTriggerHandler(getUseCase: () => TriggerDrain | Promise<TriggerDrain>) {
  return async (event: Pick<APIGatewayProxyEventV2, 'rawPath' | 'headers' | 'requestContext'>): Promise<HttpAnswer> => {
    const request = triggerRequest(event.requestContext.http.method, event.rawPath, event.headers);
    if (isAnswer(request)) return request;
    return answer(await (await getUseCase()).handle(request));
  };
}

// The route table comes from the state table, read once per cold start (as the other functions do).
export const handler = makeTriggerHandler(async () => {
  if (useCase) return useCase;
  const engine = await engineOnce();
  const { settings, clients } = engine;
  if (!settings.triggerSecretId) throw new SettingsError(`${ENV.triggerSecretId}: required by the trigger function`);
  if (!settings.drainFunctionName) throw new SettingsError(`${ENV.drainFunctionName}: required by the trigger function`);
  useCase = triggerUseCase(engine, new SecretsTriggerKey(clients.secrets, settings.triggerSecretId), new LambdaDrainStarter(clients.lambda, settings.drainFunctionName));
  return useCase;
});
