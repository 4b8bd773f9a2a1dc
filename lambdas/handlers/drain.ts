// Drain Lambda: started by the probe (async invoke) with { route, mode }.
// Works until its queue is empty or its time is nearly spent.
import type { Context } from 'aws-lambda';
import { Engine, type DrainEvent } from '../app/engine.js';
import { loadSettings } from '../config/settings.js';

/** Seconds kept back from the Lambda timeout to finish the message in hand. */
const SAFETY_SECONDS = 60;

let engine: Engine | undefined;

export function makeDrainHandler(getEngine: () => Engine) {
  return async (event: DrainEvent, context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>) => {
    const budgetSeconds = Math.max(10, context.getRemainingTimeInMillis() / 1000 - SAFETY_SECONDS);
    return getEngine().drain(event, { owner: context.awsRequestId, budgetSeconds });
  };
}

export const handler = makeDrainHandler(() => (engine ??= new Engine(loadSettings())));
