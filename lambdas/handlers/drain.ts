// Drain Lambda: started by the probe (async invoke) with { route, mode }, or by
// a drain that ran out of time with mail left (its successor). Works until its
// queue is empty or its time is nearly spent.
import type { Context } from 'aws-lambda';
import { Engine, type DrainEvent } from '../app/engine.js';
import { drainReserveSeconds } from '../config/settings.js';
import { lambdaEnv } from '../app/lambda-env.js';
import { cachedEngine } from '../app/runtime-settings.js';
import { FIND_ORPHANED_QUEUES_TASK, FIND_UNQUEUED_TASK, type ScheduledTaskEvent } from '../config/scheduled-tasks.js';
import { startSuccessor } from '../core/drain/drain-successor.js';
import { SWEEP_RESERVE_SECONDS } from '../core/sweep/sweep-route.js';

export function makeDrainHandler(getEngine: () => Engine | Promise<Engine>) {
  return async (event: DrainEvent | ScheduledTaskEvent, context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'> & Partial<Pick<Context, 'functionName'>>) => {
    const current = await getEngine();
    if ('task' in event && event.task === FIND_UNQUEUED_TASK) {
      return current.findUnqueued(Math.max(0, Math.floor(context.getRemainingTimeInMillis() / 1000) - 60));
    }
    if ('task' in event && event.task === FIND_ORPHANED_QUEUES_TASK) return current.findOrphanedQueues();
    // No new message after this budget, so the last one can wait a whole SMTP
    // timeout for its final reply before Lambda stops us (a cut-off DATA is a duplicate).
    // A sweep talks no SMTP: it keeps back only enough for its last AWS calls.
    const drainEvent = event as DrainEvent;
    const reserve = drainEvent.mode === 'sweep' ? SWEEP_RESERVE_SECONDS : drainReserveSeconds(current.settings);
    const budgetSeconds = Math.max(0, Math.floor(context.getRemainingTimeInMillis() / 1000) - reserve);
    const summary = await current.drain(drainEvent, { owner: context.awsRequestId, budgetSeconds });
    // Out of time with mail left: the next drain starts now (our lease is already given back).
    if (context.functionName) await startSuccessor(summary, current.successorIn(context.functionName), current.log);
    return summary;
  };
}

export const handler = makeDrainHandler(cachedEngine(lambdaEnv()));
