// The conditions the probe evaluates every round, each one row of the old
// alarm table, and the bit it sets in the gauge its alarm reads (RouteProblems
// per route, StackProblems for the stack): one alarm per gauge, breaching on
// missing data, instead of one alarm (and one billed metric) per condition.
// The value is a bit set so a graph or an alarm's state reason still tells
// which conditions were on; the probe's log line and `backup-mx status` name
// them.

/** A route's conditions, in bit order (1, 2, 4, …). */
export const ROUTE_CONDITIONS = [
  'primary-down',
  'oldest-message',
  'backlog',
  'dead-letters',
  'notices-held',
  'deliveries-failing',
  'primary-refuses-all',
  'unreadable',
] as const;
export type RouteCondition = (typeof ROUTE_CONDITIONS)[number];

/** The stack's conditions, in bit order. */
export const STACK_CONDITIONS = ['dead-letter-queue', 'orphaned-queue', 'canary-missing', 'unreadable'] as const;
export type StackCondition = (typeof STACK_CONDITIONS)[number];

export type Condition = RouteCondition | StackCondition;

/** What each condition means, as the probe's log line and `status` say it. */
export const CONDITION_MEANING: Record<Condition, string> = {
  'primary-down': 'the primary has not answered the probe for primaryDownMinutes',
  'oldest-message': 'a message not yet final has waited oldestMessageAgeMinutes or longer',
  backlog: 'backlogMessages or more messages are not final',
  'dead-letters': 'dead letters wait for you (`backup-mx mailq --dead`, then requeue or delete)',
  'notices-held': 'bounce notices are held for you (`backup-mx notices`)',
  'deliveries-failing': 'the primary answers the probe but deliveries keep failing (AUTH, TLS, 421, every message deferred)',
  'primary-refuses-all': 'the primary refused 20 or more recipients since it last accepted one',
  unreadable: 'the probe could not read a record it checks (its log names which)',
  'dead-letter-queue': 'a message is on the dead-letter queue (SQS\'s view)',
  'orphaned-queue': 'an old queue of this stack still holds mail, or the hourly watch on old queues stopped reporting',
  'canary-missing': 'no canary arrived in time: mail may not reach the queue',
};

/** The gauge's value: one bit per condition that is on, in the list's order. */
export function conditionBits<T extends string>(order: readonly T[], on: Iterable<T>): number {
  let bits = 0;
  for (const condition of on) {
    const index = order.indexOf(condition);
    if (index >= 0) bits |= 1 << index;
  }
  return bits;
}

/** The conditions a gauge value stands for (the inverse of conditionBits). */
export function conditionsOf<T extends string>(order: readonly T[], bits: number): T[] {
  return order.filter((_, index) => (bits & (1 << index)) !== 0);
}
