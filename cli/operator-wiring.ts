// The operator's use cases for a target, built from the engine it already
// wired (the same ports the Lambdas use) plus the adapters only operator
// actions need: the SQS dead-letter queue, the ledger purge, old queues by URL (adopt),
// and the mailbox files export writes.
import { DynamoLedgerPurge } from '../lambdas/adapters/aws/dynamo-ledger-purge.js';
import { SqsDeadLetterQueue } from '../lambdas/adapters/aws/sqs-dead-letter-queue.js';
import { SqsMailQueue } from '../lambdas/adapters/aws/sqs-mail-queue.js';
import { SqsQueueDirectory } from '../lambdas/adapters/aws/sqs-queue-directory.js';
import { MaildirWriter } from '../lambdas/adapters/mailbox/maildir-writer.js';
import { MboxWriter } from '../lambdas/adapters/mailbox/mbox-writer.js';
import { ARCHIVE_EXTRA_SECONDS, type Engine } from '../lambdas/app/engine.js';
import { routePrefix } from '../lambdas/config/mail-layout.js';
import type { Settings } from '../lambdas/config/settings.js';
import { operatorActions, type OperatorActions } from '../lambdas/core/operator/operator-actions.js';
import { RetryPolicy } from '../lambdas/core/policy/retry-policy.js';
import { readStoredHead } from '../lambdas/core/operator/stored-head.js';

export function operatorFor(engine: Engine, settings: Settings): OperatorActions {
  const { deps } = engine;
  const retry = new RetryPolicy(engine.options);
  return operatorActions({
    routes: settings.routes,
    ledger: deps.ledger,
    purge: new DynamoLedgerPurge(engine.clients.doc, settings.tableName),
    index: deps.index,
    store: deps.store,
    deadLetters: deps.deadLetters,
    deadLetterQueue: new SqsDeadLetterQueue(engine.clients.sqs, settings.deadLetterQueueUrl, deps.parse),
    // Read when called: local-target wraps the route state after building the engine (narrated holds).
    routeState: { hold: (route) => engine.deps.routeState.hold(route), setHold: (route, hold) => engine.deps.routeState.setHold(route, hold) },
    queues: (route) => engine.queue(route),
    parse: deps.parse,
    clock: deps.clock,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    isExpired: (receivedAt, now) => retry.isExpired(receivedAt, now),
    mailKey: (route, messageId) => `${routePrefix(route)}${messageId}`,
    ...(deps.delayNotices ? { delayNotices: deps.delayNotices } : {}),
    readHead: (objectKey) => readStoredHead(deps.store, objectKey),
    archive: engine.archive,
    log: deps.log,
    queueDirectory: new SqsQueueDirectory(engine.clients.sqs),
    queueAt: (url) => new SqsMailQueue(engine.clients.sqs, url),
    mailboxes: { open: (to) => ('mbox' in to ? MboxWriter.create(to.mbox) : MaildirWriter.open(to.maildir)) },
    archiveRetentionSeconds: settings.queueLifetimeSeconds + ARCHIVE_EXTRA_SECONDS,
  });
}
