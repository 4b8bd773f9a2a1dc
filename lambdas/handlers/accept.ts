// Accept Lambda: subscribed to every route topic. Indexes each message for
// `mailq` and `status`; delivery never depends on it (SQS holds the mail), so a
// failure here is reported and retried by SNS, never a loss.
import type { SNSEvent } from 'aws-lambda';
import { Engine } from '../app/engine.js';
import { lambdaEnv } from '../app/lambda-env.js';
import { cachedEngine } from '../app/runtime-settings.js';

export function makeAcceptHandler(getEngine: () => Engine | Promise<Engine>) {
  return async (event: Pick<SNSEvent, 'Records'>) => {
    const results = [];
    for (const record of event.Records) results.push(await (await getEngine()).accept(record.Sns.Message));
    return { results };
  };
}

export const handler = makeAcceptHandler(cachedEngine(lambdaEnv()));
