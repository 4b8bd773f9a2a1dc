// At start with BACKUPMX_DATA_DIR: puts spooled mail back (local/snapshot.ts
// restoreSpool) so nothing that got a 250 is lost when the in-memory S3/SQS
// of the embedded emulators forgot it. With LocalStack, which keeps its own
// state while its container runs, only mail whose object it lost comes back:
// re-publishing the rest would queue it twice.
import type { S3MessageStore } from '../../lambdas/adapters/aws/s3-message-store.js';
import type { OperatorReads } from '../../lambdas/core/operator/operator-reads.js';
import type { Ledger } from '../../lambdas/core/outcome/ports.js';
import { finishedByLedger, restoreSpool, type FinishedCheck, type MailSpool, type RestoreReport } from '../snapshot.js';
import type { LineLogger, NotificationPublisher } from '../ses-standin/ports.js';
import { plural } from '../words.js';

export interface SpoolRestoreOptions {
  /** The ledger, handed over by the runner's wiring: a message every recipient of which is final is not restored. */
  ledger: Ledger;
  /** The queued messages and dead letters, read as `mailq` reads them. */
  operator: Pick<OperatorReads, 'listQueued' | 'deadLetters'>;
  store: S3MessageStore;
  publish: NotificationPublisher;
  topics: { name: string; topicArn: string }[];
  keptByEndpoint: boolean;
  logger: LineLogger;
  /** Each message on its own line (BACKUPMX_VERBOSE=1) besides the summary. */
  verbose?: boolean;
}

export async function restoreFromSpool(spool: MailSpool, options: SpoolRestoreOptions): Promise<RestoreReport> {
  const { ledger, operator, store, publish, topics, keptByEndpoint, logger, verbose = false } = options;
  const byLedger = finishedByLedger(ledger);
  const isFinished: FinishedCheck = async (messageId, delivery) => {
    if (await byLedger(messageId, delivery)) return true;
    return keptByEndpoint && (await store.size(delivery.objectKey)) !== undefined;
  };
  // Looked at again even when an earlier start found them finished: queued again
  // (a requeue) or dead letters, whose raw bytes `show` and `requeue` need in S3.
  const [queued, dead] = await Promise.all([operator.listQueued(), operator.deadLetters()]);
  const deadIds = new Set(dead.map((d) => d.messageId));
  const report = await restoreSpool(spool, {
    store,
    publish,
    isFinished,
    recheck: new Set([...queued.map((m) => m.messageId), ...deadIds]),
    keepRaw: deadIds,
    topicArnFor: (route) => topics.find((t) => t.name === route)?.topicArn,
    logger,
    verbose,
  });
  // One line for the whole spool, however many messages it held (160 lines after a long outage said nothing more).
  if (report.republished > 0 || report.pruned > 0) {
    const pruned = report.pruned > 0 ? `, ${report.pruned} old finished ones removed` : '';
    const routes = Object.entries(report.byRoute).map(([route, n]) => `${route} ${n}`).join(', ');
    const each = report.republished > 0 && !verbose ? '; BACKUPMX_VERBOSE=1 lists each' : '';
    logger.info(`spool: ${report.republished} queued again${routes ? ` (route ${routes})` : ''}, ${plural(report.restored, 'message')} put back in S3${pruned}${each}`);
  }
  return report;
}
