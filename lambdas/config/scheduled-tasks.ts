// Events the stack's schedules send to the drain function besides { route, mode }.

/** Hourly: look for stored mail that never reached a queue (FindUnqueuedObjects). */
export const FIND_UNQUEUED_TASK = 'find-unqueued';

export interface FindUnqueuedEvent {
  task: typeof FIND_UNQUEUED_TASK;
}
