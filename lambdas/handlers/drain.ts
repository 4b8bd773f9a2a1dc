// Drain Lambda: started by the probe (async invoke) with { route, mode }.
// Works until its queue is empty or its time is nearly spent.
import type { Context } from 'aws-lambda';
import { Engine, type DrainEvent } from '../app/engine.js';
import { drainReserveSeconds, loadSettings } from '../config/settings.js';
import { SWEEP_RESERVE_SECONDS } from '../core/sweep-route.js';

let engine: Engine | undefined;

export function makeDrainHandler(getEngine: () => Engine) {
  return async (event: DrainEvent, context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>) => {
    const current = getEngine();
    // No new message after this budget, so the last one can wait a whole SMTP
    // timeout for its final reply before Lambda stops us (a cut-off DATA is a duplicate).
    // A sweep talks no SMTP: it keeps back only enough for its last AWS calls.
    const reserve = event.mode === 'sweep' ? SWEEP_RESERVE_SECONDS : drainReserveSeconds(current.settings);
    const budgetSeconds = Math.max(0, Math.floor(context.getRemainingTimeInMillis() / 1000) - reserve);
    return current.drain(event, { owner: context.awsRequestId, budgetSeconds });
  };
}

export const handler = makeDrainHandler(() => (engine ??= new Engine(loadSettings())));
