// Builds the probe's evaluation of the conditions (core/problems) on the real
// adapters: the probe's own state and the drain's delivery records in the
// state table, the dead-letter queue's depth, the hourly watch's record (only
// where the watch runs: a deployed stack), the canary's last arrival (only when
// the stack sends one). One place, so the Lambda and the local runner agree.
import type { AwsClients } from '../adapters/aws/clients.js';
import { DynamoCanaryArrivals, DynamoDeliveryRecords, DynamoOrphanWatchRecords, DynamoProblemStates } from '../adapters/aws/dynamo-problem-records.js';
import { SqsQueueDepth } from '../adapters/aws/sqs-queue-depth.js';
import type { Settings } from '../config/settings.js';
import type { Clock, DeliveryLog, Metrics } from '../core/runtime/ports.js';
import { WatchProblems } from '../core/problems/watch-problems.js';

export function watchProblems(settings: Settings, clients: Pick<AwsClients, 'doc' | 'sqs'>, deps: { metrics: Metrics; log: DeliveryLog; clock: Clock }): WatchProblems {
  const { doc, sqs } = clients;
  const table = settings.tableName;
  return new WatchProblems(
    {
      states: new DynamoProblemStates(doc, table),
      deliveries: new DynamoDeliveryRecords(doc, table),
      deadLetterQueue: new SqsQueueDepth(sqs, settings.deadLetterQueueUrl),
      // The watch runs hourly in a deployed stack (it needs the stack's name); nowhere else.
      ...(settings.stackName ? { orphanWatch: new DynamoOrphanWatchRecords(doc, table) } : {}),
      ...(settings.canaryIntervalMinutes !== undefined ? { canaryArrivals: new DynamoCanaryArrivals(doc, table) } : {}),
      ...deps,
    },
    {
      thresholds: { primaryDownMinutes: settings.primaryDownMinutes, oldestMessageAgeMinutes: settings.oldestMessageAgeMinutes, backlogMessages: settings.backlogMessages },
      ...(settings.canaryIntervalMinutes !== undefined ? { canaryIntervalMinutes: settings.canaryIntervalMinutes } : {}),
    },
  );
}
