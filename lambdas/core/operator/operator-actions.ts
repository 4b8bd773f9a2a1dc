// The operator's actions on mail (requeue, delete, hold / release of a route or of messages, redirect, show, replay, forward, adopt, export, verify recipients,
// the filters of mailq and the bulk delete / requeue) and
// what the commands print beside them (operator-reads.ts), built once from the engine's ports: the CLI (and any other
// admin surface) only parses, calls these and prints.
import type { EnvelopeArchive, MessageIndex } from '../accept/ports.js';
import type { NotificationParser } from '../drain/drain-deps.js';
import type { MailQueue } from '../drain/ports.js';
import type { MessageStore } from '../message/ports.js';
import type { Route } from '../model.js';
import type { DeadLetterStore, DelayNotices, Ledger } from '../outcome/ports.js';
import type { PrimaryAddressGuard } from '../policy/ports.js';
import type { PrimaryProbe, RouteState } from '../probe/ports.js';
import type { ProblemStates } from '../problems/problem-ports.js';
import type { Clock, DeliveryLog } from '../runtime/ports.js';
import type { QueueDirectory } from '../sweep/ports.js';
import type { RecipientListStore } from '../recipients/ports.js';
import { AdoptQueue, adoptRefusal, type AdoptGuard, type AdoptSummary } from './adopt-queue.js';
import { BulkActions } from './bulk-actions.js';
import { DeleteMessage } from './delete-message.js';
import { ForwardMessage, type Forwarder } from './forward-message.js';
import type { ForwardRecords } from './forward-records.js';
import { ExportMessages, type ExportItem, type ExportResult } from './export-messages.js';
import { HoldMessages } from './hold-messages.js';
import { HoldRoute } from './hold-route.js';
import type { DeadLetterQueue, LedgerPurge } from './mail-ports.js';
import { MessageDetails, type MessageDetail, type StoredHead } from './message-details.js';
import type { MessageFilter } from './message-filter.js';
import { operatorReads, type OperatorReads } from './operator-reads.js';
import type { MailboxDestination, MailboxWriter, Mailboxes, RecipientCallout } from './ports.js';
import { PushRecipientList, type PushRecipientListDeps } from './push-recipient-list.js';
import { RedirectRoute } from './redirect-route.js';
import { ReplayMessages } from './replay-messages.js';
import { RequeueDeadLetters } from './requeue-dead-letters.js';
import { SelectMessages, type SelectScope, type Selection } from './select-messages.js';
import { VerifyRecipients, type VerifyOptions, type VerifyReport } from './verify-recipients.js';

export interface OperatorDeps {
  routes: Route[];
  ledger: Ledger;
  purge: LedgerPurge;
  index: MessageIndex;
  store: MessageStore;
  deadLetters: DeadLetterStore;
  deadLetterQueue: DeadLetterQueue;
  routeState: Pick<RouteState, 'hold' | 'setHold' | 'health' | 'windows' | 'saveWindows' | 'redirect' | 'setRedirect' | 'saveHealth' | 'healthTransitions'>;
  queues: (route: Route) => MailQueue;
  /** The probe's problems records, which status reads. */
  problems: Pick<ProblemStates, 'get'>;
  parse: NotificationParser;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  isExpired(receivedAt: Date, now: Date): boolean;
  /** When a message received then reaches the queue lifetime. */
  expiresAt(receivedAt: Date): Date;
  mailKey(route: string, messageId: string): string;
  delayNotices?: Pick<DelayNotices, 'find'>;
  readHead(objectKey: string): Promise<StoredHead | undefined>;
  /** The envelopes kept at accept, which replay reads. */
  archive: EnvelopeArchive;
  log: DeliveryLog;
  /** Queues by URL and their tags: adopt reads an old queue the routes no longer name. */
  queueDirectory: QueueDirectory;
  queueAt(url: string): MailQueue;
  /** Where export writes (mbox files, Maildirs): an adapter, so core stays off the file system. */
  mailboxes: Mailboxes;
  /** How long the bucket keeps raw objects (and the archive envelopes): how far back `export --state all` looks by default. */
  archiveRetentionSeconds: number;
  /** The SMTP check of a primary as the scheduled probe makes it (AUTH included): `recipients verify` asks only while it is up. */
  probe: PrimaryProbe;
  /** RCPT TO callouts to a route's primary (never DATA). */
  callout: RecipientCallout;
  /** The loop guard the probe applies: `redirect` refuses a target that would send the mail back to us. */
  guard: PrimaryAddressGuard;
  /** Where `forward` sends: SES in AWS, the local outbox locally. */
  forwarder: Forwarder;
  /** Each message's forwards: forward adds one, show lists them, delete removes them with the ledger rows. */
  forwards: ForwardRecords;
  /** The stack's hostname: a forward comes from MAILER-DAEMON@hostname, as the DSNs do. */
  hostname: string;
  /** The synced routes' pushed recipient lists, which status shows. */
  recipientLists: Pick<RecipientListStore, 'read'>;
  /** `recipients push`: the synced routes' use case on this target; absent: the target cannot push (says why). */
  recipientPush?: PushRecipientListDeps;
}

export interface OperatorActions extends OperatorReads {
  requeue: RequeueDeadLetters;
  delete: DeleteMessage;
  hold: HoldRoute;
  /** `hold --message` / `release --message` and their filters: single messages held while the route flows. */
  holdMessages: HoldMessages;
  /** `redirect`: the route's mail to another host until cleared (or a deploy changes the primary). */
  redirect: RedirectRoute;
  replay: ReplayMessages;
  /** `forward`: a held message to another address, the original attached unchanged. */
  forward: ForwardMessage;
  adopt: {
    /** Why the queue at `url` may not be adopted (in use, another stack's), or undefined. */
    refusal(url: string, guard: AdoptGuard): Promise<string | undefined>;
    /** Moves the old queue's notifications into the route's queue, indexing them. */
    run(url: string, route: Route, onProgress?: (s: AdoptSummary) => void): Promise<AdoptSummary>;
  };
  export: {
    /** The route's messages to write, oldest first: the queued ones, or with "all" the delivered ones still kept too. */
    select(route: Route, selection: { state: 'queued' | 'all'; since?: Date }): Promise<ExportItem[]>;
    /** Opens the mailbox before anything is read from the bucket, so a refused destination costs nothing. */
    open(destination: MailboxDestination): Promise<MailboxWriter>;
    /** Writes the items' bytes as stored, in order, then closes the writer. */
    run(items: ExportItem[], writer: MailboxWriter, progress?: (done: number, total: number, bytes: number) => void): Promise<ExportResult>;
  };
  /** The queued messages and/or dead letters of the scope's routes that the filter selects, oldest first (mailq, bulk delete / requeue). */
  select(filter: MessageFilter, scope: SelectScope): Promise<Selection>;
  /** delete / requeue on a selection, through the per-message use cases above. */
  bulk: BulkActions;
  /** A message's details, one per route ([] when nothing knows it). */
  show(messageId: string, route?: string): Promise<MessageDetail[]>;
  /** The dead-letter queue's depth (status, doctor, `mailq --dead` compare it with the records). */
  deadLetterDepth(): Promise<number>;
  /** `recipients verify`: RCPT TO callouts to the route's primary, only while it is up. */
  verifyRecipients(route: Route, addresses: string[], options?: VerifyOptions): Promise<VerifyReport>;
  /** `recipients push` / `verify --push`: a synced route's list through the primary's push use case; undefined where the target cannot write rules. */
  pushRecipients?: PushRecipientList;
}

export function operatorActions(deps: OperatorDeps): OperatorActions {
  const details = new MessageDetails(deps);
  const adopt = new AdoptQueue(deps);
  const exporter = new ExportMessages({ ...deps, objectKeyFor: deps.mailKey });
  const verify = new VerifyRecipients({ probe: deps.probe, callout: deps.callout, sleep: deps.sleep });
  const selection = new SelectMessages(deps);
  const requeue = new RequeueDeadLetters(deps);
  const remove = new DeleteMessage(deps);
  return {
    ...operatorReads(deps),
    requeue,
    delete: remove,
    select: (filter, scope) => selection.select(filter, scope),
    bulk: new BulkActions({ ...deps, delete: remove, requeue }),
    hold: new HoldRoute(deps),
    holdMessages: new HoldMessages(deps),
    redirect: new RedirectRoute(deps),
    show: (messageId, route) => details.show(messageId, route),
    replay: new ReplayMessages(deps),
    forward: new ForwardMessage(deps),
    adopt: {
      refusal: (url, guard) => adoptRefusal(deps.queueDirectory, url, guard),
      run: (url, route, onProgress) => adopt.run(deps.queueAt(url), deps.queues(route), route.name, onProgress),
    },
    export: {
      select: (route, selection) => exporter.select(route, { ...selection, retentionSeconds: deps.archiveRetentionSeconds }),
      open: (destination) => deps.mailboxes.open(destination),
      run: (items, writer, progress) => exporter.run(items, writer, progress),
    },
    deadLetterDepth: () => deps.deadLetterQueue.depth(),
    verifyRecipients: (route, addresses, options = {}) => verify.run(route, addresses, options),
    ...(deps.recipientPush ? { pushRecipients: new PushRecipientList(deps.recipientPush) } : {}),
  };
}
