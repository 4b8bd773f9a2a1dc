// Events the stack's schedules send to the drain function besides { route, mode }.

/** Hourly: look for stored mail that never reached a queue (FindUnqueuedObjects). */
export const FIND_UNQUEUED_TASK = 'find-unqueued';
/** Hourly, on the same rule: look for old queues no route uses that still hold mail (FindOrphanedQueues). */
export const FIND_ORPHANED_QUEUES_TASK = 'find-orphaned-queues';

export interface FindUnqueuedEvent {
  task: typeof FIND_UNQUEUED_TASK;
}

export interface FindOrphanedQueuesEvent {
  task: typeof FIND_ORPHANED_QUEUES_TASK;
}

export type ScheduledTaskEvent = FindUnqueuedEvent | FindOrphanedQueuesEvent;
