// Drain Lambda: started by the probe (async invoke) with { route, mode }, or by
// a drain that ran out of time with mail left (its successor). Works until its
// queue is empty or its time is nearly spent.
import type { Context } from 'aws-lambda';
import { LambdaDrainStarter } from '../adapters/aws/lambda-drain-starter.js';
import { Engine, type DrainEvent } from '../app/engine.js';
import { drainReserveSeconds, loadSettings } from '../config/settings.js';
import { startSuccessor } from '../core/drain-successor.js';

let engine: Engine | undefined;

export function makeDrainHandler(getEngine: () => Engine) {
  return async (event: DrainEvent, context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'> & Partial<Pick<Context, 'functionName'>>) => {
    const current = getEngine();
    // No new message after this budget, so the last one can wait a whole SMTP
    // timeout for its final reply before Lambda stops us (a cut-off DATA is a duplicate).
    const budgetSeconds = Math.max(0, Math.floor(context.getRemainingTimeInMillis() / 1000) - drainReserveSeconds(current.settings));
    const summary = await current.drain(event, { owner: context.awsRequestId, budgetSeconds });
    // Out of time with mail left: the next drain starts now (our lease is already given back).
    if (context.functionName) await startSuccessor(summary, new LambdaDrainStarter(current.clients.lambda, context.functionName), current.deps.log);
    return summary;
  };
}

export const handler = makeDrainHandler(() => (engine ??= new Engine(loadSettings())));
