// Drain Lambda: started by the probe (async invoke) with { route, mode }.
// Works until its queue is empty or its time is nearly spent.
import type { Context } from 'aws-lambda';
import { Engine, type DrainEvent } from '../app/engine.js';
import { drainReserveSeconds } from '../config/settings.js';
import { cachedEngine } from '../app/runtime-settings.js';
import { FIND_UNQUEUED_TASK, type FindUnqueuedEvent } from '../config/scheduled-tasks.js';
import { SWEEP_RESERVE_SECONDS } from '../core/sweep-route.js';

export function makeDrainHandler(getEngine: () => Engine | Promise<Engine>) {
  return async (event: DrainEvent | FindUnqueuedEvent, context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>) => {
    const current = await getEngine();
    if ('task' in event && event.task === FIND_UNQUEUED_TASK) {
      return current.findUnqueued(Math.max(0, Math.floor(context.getRemainingTimeInMillis() / 1000) - 60));
    }
    // No new message after this budget, so the last one can wait a whole SMTP
    // timeout for its final reply before Lambda stops us (a cut-off DATA is a duplicate).
    // A sweep talks no SMTP: it keeps back only enough for its last AWS calls.
    const drainEvent = event as DrainEvent;
    const reserve = drainEvent.mode === 'sweep' ? SWEEP_RESERVE_SECONDS : drainReserveSeconds(current.settings);
    const budgetSeconds = Math.max(0, Math.floor(context.getRemainingTimeInMillis() / 1000) - reserve);
    return current.drain(drainEvent, { owner: context.awsRequestId, budgetSeconds });
  };
}

export const handler = makeDrainHandler(cachedEngine());
