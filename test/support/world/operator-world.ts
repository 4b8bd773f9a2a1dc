// The operator's use cases wired to the engine harness's fakes, with the
// dead-letter queue and ledger purge only they use, and helpers that put a
// message in the state an action starts from.
import { InMemoryDeadLetterQueue, InMemoryForwardRecords, InMemoryProblemStates, InMemoryQueueDirectory, InMemoryRecipientListStore } from '../../../lambdas/adapters/fakes/index.js';
import { InMemoryEnvelopeArchive } from '../../../lambdas/adapters/fakes/in-memory-feature-stores.js';
import { queuedSummary } from '../../../lambdas/core/accept/queued-summary.js';
import { copyOf } from '../../../lambdas/core/message/message-copy.js';
import type { DeadLetterRecord, Verdicts } from '../../../lambdas/core/model.js';
import { operatorActions } from '../../../lambdas/core/operator/operator-actions.js';
import { readStoredHead } from '../../../lambdas/core/operator/stored-head.js';
import type { MailboxDestination } from '../../../lambdas/core/operator/ports.js';
import { RetryPolicy } from '../../../lambdas/core/policy/retry-policy.js';
import { sesNotification } from '../aws/ses-events.js';
import { harness } from './engine-harness.js';
import { RecordingMailbox } from './recording-mailbox.js';

export function operatorWorld() {
  const h = harness();
  const deadLetterQueue = new InMemoryDeadLetterQueue();
  const sleeps: number[] = [];
  const retry = new RetryPolicy();
  // The mailboxes export opened, each with what was written to it.
  const mailboxes: { destination: MailboxDestination; box: RecordingMailbox }[] = [];
  // The objects whose head was read (select-messages reads one only for a --verdict filter).
  const headReads: string[] = [];
  // The loop guard's verdict per host (redirect refuses a listed one): host → why it loops.
  const loops = new Map<string, string>();
  // What forward sent (the forwarder's calls), in order.
  const forwards: { raw: Buffer; envelope: { from: string; to: string[] } }[] = [];
  // The messages' forward records (the history show lists).
  const forwardRecords = new InMemoryForwardRecords();
  const deps = {
    routes: [h.route],
    ledger: h.ledger,
    purge: h.ledger,
    index: h.index,
    store: h.store,
    deadLetters: h.deadLetters,
    deadLetterQueue,
    routeState: h.routeState,
    queues: () => h.queue,
    parse: h.parse,
    clock: h.clock,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      await h.clock.sleep(ms);
    },
    isExpired: (receivedAt: Date, now: Date) => retry.isExpired(receivedAt, now),
    expiresAt: (receivedAt: Date) => retry.expiresAt(receivedAt),
    mailKey: (route: string, messageId: string) => `mail/${route}/${messageId}`,
    // The head as the CLI reads it from the object: here, whether the object is there.
    archive: new InMemoryEnvelopeArchive(),
    queueDirectory: new InMemoryQueueDirectory(),
    queueAt: () => h.queue,
    log: h.log,
    mailboxes: {
      open: async (destination: MailboxDestination) => {
        const box = new RecordingMailbox();
        mailboxes.push({ destination, box });
        return box;
      },
    },
    archiveRetentionSeconds: 3 * 86_400,
    problems: new InMemoryProblemStates(),
    // `recipients verify` is covered with its own callout (verify-recipients.test.ts): none here.
    probe: h.probe,
    callout: { open: async () => Promise.reject(new Error('the operator world makes no callouts')) },
    guard: { refusal: async (primary: { host: string }) => loops.get(primary.host) },
    forwarder: {
      send: async (raw: Buffer, envelope: { from: string; to: string[] }) => {
        forwards.push({ raw, envelope });
        return `sent-${forwards.length}`;
      },
    },
    forwards: forwardRecords,
    hostname: 'backup-mx.test',
    recipientLists: new InMemoryRecipientListStore(),
    // The head as the CLI reads it from the object (undefined once it is gone).
    readHead: async (objectKey: string) => {
      headReads.push(objectKey);
      return readStoredHead(h.store, objectKey);
    },
  };
  const operator = operatorActions(deps);

  /**
   * A message dead-lettered on route main as a drain leaves it: its raw
   * object, each recipient's final outcome, the record and its DLQ copy.
   */
  async function deadLettered(options: MessageOptions & { delivered?: string[]; at?: Date } = {}): Promise<DeadLetterRecord> {
    const messageId = options.messageId ?? `msg${Math.random().toString(36).slice(2, 10)}`;
    const recipients = options.recipients ?? ['bob@example.com'];
    const receivedAt = new Date(h.clock.now().getTime() - (options.minutesAgo ?? 10) * 60_000);
    const notification = sesNotification({ ...envelopeOf(options), messageId, recipients, timestamp: receivedAt, objectKeyPrefix: 'mail/main/' });
    h.store.put(`mail/main/${messageId}`, `Subject: ${messageId}\r\n\r\nbody\r\n`);
    for (const recipient of recipients) {
      const state = options.delivered?.includes(recipient) ? 'delivered' : 'bounced';
      await h.ledger.record(messageId, { recipient, state, attempts: 2, updatedAt: h.clock.now(), reply: { code: state === 'delivered' ? 250 : 550, text: 'reply' } });
    }
    const message = h.parse(notification);
    const record: DeadLetterRecord = { messageId, route: 'main', reason: 'virus', detail: 'quarantined', at: options.at ?? h.clock.now(), notification, objectKey: message.objectKey, copy: copyOf(message) };
    await h.deadLetters.put(record);
    deadLetterQueue.add({ messageId, route: 'main', copy: record.copy, at: record.at });
    return record;
  }

  /**
   * A message queued on route main as the accept step leaves it: its raw
   * object (with the verdict headers SES prepends), its index summary and its
   * queue entry; returns its id.
   */
  async function queued(options: MessageOptions = {}): Promise<string> {
    const messageId = options.messageId ?? `msg${Math.random().toString(36).slice(2, 10)}`;
    const recipients = options.recipients ?? ['bob@example.com'];
    const receivedAt = new Date(h.clock.now().getTime() - (options.minutesAgo ?? 10) * 60_000);
    const notification = sesNotification({ ...envelopeOf(options), messageId, recipients, timestamp: receivedAt, objectKeyPrefix: 'mail/main/' });
    const message = h.parse(notification);
    const v = message.verdicts;
    h.store.put(
      message.objectKey,
      `X-SES-Spam-Verdict: ${v.spam}\r\nX-SES-Virus-Verdict: ${v.virus}\r\n` +
        `Authentication-Results: amazonses.com; spf=${v.spf.toLowerCase()} smtp.mailfrom=${message.sender}; dkim=${v.dkim.toLowerCase()}; dmarc=${v.dmarc.toLowerCase()}\r\n` +
        `Subject: ${message.subject ?? ''}\r\n\r\nbody\r\n`,
    );
    await h.index.add(queuedSummary(message, 'main', { size: 100 }));
    await h.queue.enqueue(notification);
    return messageId;
  }

  return { h, deps, operator, deadLetterQueue, sleeps, deadLettered, queued, mailboxes, headReads, loops, forwards, forwardRecords };
}

/** What a test may choose of a message it puts in place. */
export interface MessageOptions {
  messageId?: string;
  recipients?: string[];
  sender?: string;
  subject?: string;
  verdicts?: Partial<Verdicts>;
  /** How long ago SES received it (default 10). */
  minutesAgo?: number;
}

function envelopeOf(options: MessageOptions) {
  return {
    ...(options.sender !== undefined ? { sender: options.sender } : {}),
    ...(options.subject !== undefined ? { subject: options.subject } : {}),
    ...(options.verdicts ? { verdicts: options.verdicts } : {}),
  };
}
