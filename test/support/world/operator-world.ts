// The operator's use cases wired to the engine harness's fakes, with the
// dead-letter queue and ledger purge only they use, and helpers that put a
// message in the state an action starts from.
import { InMemoryDeadLetterQueue, InMemoryProblemStates, InMemoryQueueDirectory } from '../../../lambdas/adapters/fakes/index.js';
import { InMemoryEnvelopeArchive } from '../../../lambdas/adapters/fakes/in-memory-feature-stores.js';
import { copyOf } from '../../../lambdas/core/message/message-copy.js';
import type { DeadLetterRecord } from '../../../lambdas/core/model.js';
import { operatorActions } from '../../../lambdas/core/operator/operator-actions.js';
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
    readHead: async (objectKey: string) => ((await h.store.size(objectKey)) === undefined ? undefined : { headers: [{ name: 'Subject', value: objectKey }], verdicts: { spam: 'PASS' } }),
  };
  const operator = operatorActions(deps);

  /**
   * A message dead-lettered on route main as a drain leaves it: its raw
   * object, each recipient's final outcome, the record and its DLQ copy.
   */
  async function deadLettered(options: { messageId?: string; recipients?: string[]; delivered?: string[]; minutesAgo?: number; at?: Date } = {}): Promise<DeadLetterRecord> {
    const messageId = options.messageId ?? `msg${Math.random().toString(36).slice(2, 10)}`;
    const recipients = options.recipients ?? ['bob@example.com'];
    const receivedAt = new Date(h.clock.now().getTime() - (options.minutesAgo ?? 10) * 60_000);
    const notification = sesNotification({ messageId, recipients, timestamp: receivedAt, objectKeyPrefix: 'mail/main/' });
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

  return { h, deps, operator, deadLetterQueue, sleeps, deadLettered, mailboxes };
}
