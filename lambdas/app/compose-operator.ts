// The operator's use cases (core/operator) for a program that administers the
// mail (the CLI's targets), built from the composition's parts: the same ports
// the engine's use cases run on, plus the adapters only operator actions need:
// the SQS dead-letter queue's copies, the ledger purge, old queues by URL
// (adopt) and the mailbox files export writes.
import { DynamoForwardRecords } from '../adapters/aws/dynamo-forward-records.js';
import { DynamoProblemStates } from '../adapters/aws/dynamo-problem-records.js';
import { DynamoLedgerPurge } from '../adapters/aws/dynamo-ledger-purge.js';
import { S3RecipientListStore } from '../adapters/aws/recipient-list-store.js';
import { SqsDeadLetterQueue } from '../adapters/aws/sqs-dead-letter-queue.js';
import { SqsMailQueue } from '../adapters/aws/sqs-mail-queue.js';
import { SesForwarder } from '../adapters/aws/ses-forwarder.js';
import { SqsQueueDirectory } from '../adapters/aws/sqs-queue-directory.js';
import { MaildirWriter } from '../adapters/mailbox/maildir-writer.js';
import { MboxWriter } from '../adapters/mailbox/mbox-writer.js';
import { routePrefix } from '../config/mail-layout.js';
import type { Settings } from '../config/settings.js';
import type { Forwarder } from '../core/operator/forward-message.js';
import { operatorActions, type OperatorActions } from '../core/operator/operator-actions.js';
import { readStoredHead } from '../core/operator/stored-head.js';
import { RetryPolicy } from '../core/policy/retry-policy.js';
import type { RecipientRules } from '../core/recipients/ports.js';
import type { RuleWriterRequester } from '../core/recipients/ports.js';
import { SyncRecipients } from '../core/recipients/sync-recipients.js';
import { ARCHIVE_EXTRA_SECONDS, type EngineParts } from './compose.js';
import { syncedRoutesOf } from './synced-routes-of-table.js';

const NO_RULES: RecipientRules = {
  apply: () => Promise.reject(new Error('the stack\'s rule writer writes these rules')),
  remove: () => Promise.reject(new Error('the stack\'s rule writer removes these rules')),
};

/**
 * How `recipients push` gets a list's rules written on this target: a writer of
 * the rules (locally the stand-in's, which reads the store itself) or the
 * stack's rule writer to ask; absent: the target cannot push.
 */
export type OperatorRecipientRules = { rules: RecipientRules } | { ruleWriter: RuleWriterRequester };

/** `forwarder`: where `forward` sends (the local target gives its outbox); SES by default. */
export function composeOperator(settings: Settings, parts: EngineParts, forwarder?: Forwarder, recipientRules?: OperatorRecipientRules): OperatorActions {
  const { deps, clients } = parts;
  const retry = new RetryPolicy(parts.options);
  const stepTimeoutMs = settings.probeTimeoutMs;
  const store = new S3RecipientListStore(clients.doc, settings.tableName, clients.s3, settings.bucketName);
  return operatorActions({
    routes: settings.routes,
    ledger: deps.ledger,
    purge: new DynamoLedgerPurge(clients.doc, settings.tableName),
    index: deps.index,
    store: deps.store,
    deadLetters: deps.deadLetters,
    deadLetterQueue: new SqsDeadLetterQueue(clients.sqs, settings.deadLetterQueueUrl, deps.parse),
    // Observed as built (the CLI's narrated holds on the runner's console).
    routeState: deps.routeState,
    queues: deps.queues,
    problems: new DynamoProblemStates(clients.doc, settings.tableName),
    parse: deps.parse,
    clock: deps.clock,
    sleep: parts.sleep,
    isExpired: (receivedAt, now) => retry.isExpired(receivedAt, now),
    expiresAt: (receivedAt) => retry.expiresAt(receivedAt),
    mailKey: (route, messageId) => `${routePrefix(route)}${messageId}`,
    ...(deps.delayNotices ? { delayNotices: deps.delayNotices } : {}),
    readHead: (objectKey) => readStoredHead(deps.store, objectKey),
    archive: parts.archive,
    log: deps.log,
    queueDirectory: new SqsQueueDirectory(clients.sqs),
    queueAt: (url) => new SqsMailQueue(clients.sqs, url),
    mailboxes: { open: async (to) => ('mbox' in to ? MboxWriter.create(to.mbox) : 'mboxStream' in to ? MboxWriter.to(to.mboxStream) : MaildirWriter.open(to.maildir)) },
    archiveRetentionSeconds: settings.queueLifetimeSeconds + ARCHIVE_EXTRA_SECONDS,
    // `recipients verify` asks as the scheduled probe checks (AUTH from the same secret cache as the deliveries).
    probe: parts.primaryProbe(stepTimeoutMs),
    callout: parts.callout(stepTimeoutMs),
    // `redirect` refuses a target the probe's loop guard would refuse (invariant 4).
    guard: parts.addressGuard(),
    forwarder: forwarder ?? new SesForwarder(clients.sesv2, settings.dsnConfigurationSet),
    forwards: new DynamoForwardRecords(clients.doc, settings.tableName),
    hostname: settings.hostname,
    recipientLists: store,
    ...(recipientRules
      ? {
          recipientPush: {
            // A deferring push never calls these rules: the stack's writer does.
            sync: new SyncRecipients({ routes: syncedRoutesOf(settings.routes), store, rules: 'rules' in recipientRules ? recipientRules.rules : NO_RULES, clock: deps.clock, log: deps.log }),
            ...('ruleWriter' in recipientRules ? { ruleWriter: recipientRules.ruleWriter } : {}),
          },
        }
      : {}),
  });
}
