// What the SES stand-in is given: its routes (one receipt rule set's worth)
// and the ports and options it runs with.
import type { Verdicts } from '../../lambdas/core/model.js';
import type { MailSpool } from '../snapshot.js';
import type { LineLogger, NotificationPublisher, RawMessageWriter } from './ports.js';
import type { RecipientRule } from './recipient-router.js';
import type { SelfSignedCertificate } from './self-signed-cert.js';
import type { SyncedListsOptions } from './synced-lists.js';

export interface StandInRoute extends RecipientRule {
  topicArn: string;
  /**
   * The rule's S3 key prefix exactly as the stack sets it (lib/constructs/mail-bucket.ts
   * routePrefix: 'mail/<route>/'); the object key is this + the message id.
   */
  objectKeyPrefix: string;
  /** Not spooled (the canary: nothing to deliver, nothing to keep across a restart). */
  ephemeral?: boolean;
  /** The primary pushes this route's list (recipientSync): the stored list replaces `recipients` once read. */
  synced?: boolean;
}

export interface SesStandInOptions {
  routes: StandInRoute[];
  region: string;
  bucketName: string;
  store: RawMessageWriter;
  publish: NotificationPublisher;
  logger: LineLogger;
  /** Accepted mail is written here before the 250 (restart durability). */
  spool?: MailSpool;
  /** 0 picks a free port (tests). */
  port?: number;
  host?: string;
  /** Name in the greeting. */
  serverName?: string;
  /** The verdicts to report; all PASS by default (made up: see test-verdicts.ts for asking for others). */
  verdicts?: Verdicts;
  clock?: () => Date;
  newMessageId?: () => string;
  maxMessageBytes?: number;
  /** Recipients a transaction may have (RFC 5321's 100 by default); more get 452. */
  maxRecipients?: number;
  /** How long stop() lets open sessions finish before dropping them (default 5 s). */
  closeTimeoutMs?: number;
  /** STARTTLS key and certificate; a fresh self-signed one for serverName, localhost and 127.0.0.1 by default. */
  tls?: SelfSignedCertificate;
  /** Where the synced routes' pushed lists are read (synced-lists.ts); without it they keep their seed. */
  syncedLists?: SyncedListsOptions;
}
