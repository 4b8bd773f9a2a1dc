// In-memory fakes of every port, for unit tests and contract suites.
export { ManualClock } from './manual-clock.js';
export { FaultInjector, InjectedFault, type FaultInjectorOptions } from './fault-injector.js';
export { InMemoryMessageStore } from './in-memory-message-store.js';
export { InMemoryMailQueue, SQS_MAX_RETENTION_SECONDS, type FakeQueueEntry } from './in-memory-mail-queue.js';
export { InMemoryDeadLetterStore } from './in-memory-dead-letter-store.js';
export { InMemoryLedger } from './in-memory-ledger.js';
export { InMemoryMessageIndex } from './in-memory-message-index.js';
export { InMemoryRouteState } from './in-memory-route-state.js';
export {
  RecordingSmtpTransportFactory,
  OK_REPLY,
  type RecordedTransaction,
  type SessionFailure,
} from './recording-smtp-transport-factory.js';
export { ScriptedProbe } from './scripted-probe.js';
export { RecordingBounceMailer } from './recording-bounce-mailer.js';
export { RecordingDrainStarter } from './recording-drain-starter.js';
export { RecordingDeliveryLog, type AttemptLine } from './recording-delivery-log.js';
export { RecordingMetrics } from './recording-metrics.js';
export { InMemoryQueueDirectory } from './in-memory-queue-directory.js';
export { InMemoryHeldNotices, InMemoryNoticeAlarms, InMemoryNoticeBudget, InMemoryNoticeSending } from './in-memory-notice-stores.js';
export { InMemoryCanaryKey } from './in-memory-canary-key.js';
export { InMemoryCanaryArrivals, InMemoryDeliveryRecords, InMemoryOrphanWatchRecords, InMemoryProblemStates, InMemoryQueueDepth } from './in-memory-problem-records.js';
export { InMemoryDeadLetterQueue } from './in-memory-dead-letter-queue.js';
export { InMemoryForwardRecords } from './in-memory-forward-records.js';
export { InMemoryRecipientListStore, InMemoryRecipientRules } from './in-memory-recipient-lists.js';
