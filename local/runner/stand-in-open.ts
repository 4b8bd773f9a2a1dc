// Opens the runner's inbound side: the mail a previous run kept in its spool
// is put back first (spool-restore.ts), then the SES stand-in listens on
// 127.0.0.1 and publishes what it accepts as SES would.
import { S3MessageStore } from '../../lambdas/adapters/aws/s3-message-store.js';
import { S3RecipientListStore } from '../../lambdas/adapters/aws/recipient-list-store.js';
import type { Ledger } from '../../lambdas/core/outcome/ports.js';
import type { OperatorReads } from '../../lambdas/core/operator/operator-reads.js';
import type { NotificationPublisher } from '../ses-standin/ports.js';
import { SesStandIn } from '../ses-standin/ses-standin.js';
import { MailSpool } from '../snapshot.js';
import { SmtpPortInUseError, type RunnerParts } from './local-backup-mx-options.js';
import { standInRoutes } from './local-settings.js';
import { restoreFromSpool } from './spool-restore.js';

export interface StandInOpening {
  parts: RunnerParts;
  ledger: Ledger;
  operator: Pick<OperatorReads, 'listQueued' | 'deadLetters'>;
  publisher: (source: 'smtp' | 'spool') => NotificationPublisher;
  smtpPort: number;
  verbose: boolean;
}

/** Restores the spool (with a data dir) and starts the stand-in; throws SmtpPortInUseError when the port is taken. */
export async function openStandIn({ parts, ledger, operator, publisher, smtpPort, verbose }: StandInOpening): Promise<SesStandIn> {
  const { out, aws, resources, loaded, dataDir, settings } = parts;
  const spool = dataDir ? MailSpool.inDataDir(dataDir) : undefined;
  const store = new S3MessageStore(aws.clients.s3, settings.bucketName);
  if (spool) {
    await restoreFromSpool(spool, { ledger, operator, store, publish: publisher('spool'), topics: resources.routes, keptByEndpoint: aws.persistent, logger: out, verbose });
  }
  const standIn = new SesStandIn({
    routes: standInRoutes(loaded.config, resources),
    region: loaded.config.region,
    bucketName: settings.bucketName,
    store,
    publish: publisher('smtp'),
    logger: out,
    ...(spool ? { spool } : {}),
    port: smtpPort,
    serverName: settings.hostname,
    closeTimeoutMs: 2_000,
    // Pushed recipient lists, read from the same store the push writes (core/recipients).
    syncedLists: { read: (route) => new S3RecipientListStore(aws.clients.doc, settings.tableName, aws.clients.s3, settings.bucketName).read(route) },
  });
  try {
    await standIn.start();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new SmtpPortInUseError(smtpPort);
    throw error;
  }
  return standIn;
}
