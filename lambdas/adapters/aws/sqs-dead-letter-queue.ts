// The shared SQS dead-letter queue (DLQ) as the operator's actions see it. The
// drain puts a copy of each dead letter there (message attributes messageId,
// route and deadLetteredAt, the notification as body) so its depth alarm
// tells a person; SQS redrive puts a poison message there too, with no record
// and no attributes. Once a dead letter is requeued or deleted its copy must
// go, or the alarm stays up.
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { routePrefix } from '../../config/mail-layout.js';
import type { NotificationParser } from '../../core/drain/drain-deps.js';
import { copyOf } from '../../core/message/message-copy.js';
import { isCopyOf, type DeadLetterCopyFacts as CopyFacts } from '../../core/operator/dead-letter-copy-match.js';
import type { CopyRemoval, DeadLetterCopyKey, DeadLetterQueue } from '../../core/operator/mail-ports.js';
import { DEAD_LETTERED_AT_ATTRIBUTE } from './dynamo-dead-letter-store.js';
import { SqsMailQueue } from './sqs-mail-queue.js';

/** How long scanned copies stay hidden if releasing them fails (they are released at once otherwise). */
const SCAN_VISIBILITY_SECONDS = 30;
/** Bounds one scan: 100 receives of up to 10 copies. */
const MAX_RECEIVES = 100;
/** Long poll briefly: a short poll samples only some SQS servers and can miss copies of a small queue. */
const WAIT_SECONDS = 1;
const BATCH = 10;

export class SqsDeadLetterQueue implements DeadLetterQueue {
  constructor(
    private readonly sqs: SQSClient,
    readonly url: string,
    private readonly parse: NotificationParser,
  ) {}

  /** Approximate number of copies on the queue (visible, in flight and delayed). */
  async depth(): Promise<number> {
    const d = await new SqsMailQueue(this.sqs, this.url).depth();
    return d.visible + d.inFlight + d.delayed;
  }

  /**
   * Deletes the copies of `wanted`, and makes every other copy received
   * visible again at once. Copies another reader holds are not seen.
   */
  async removeCopies(wanted: DeadLetterCopyKey[]): Promise<CopyRemoval> {
    const result: CopyRemoval = { removed: wanted.map(() => 0), scanned: 0, complete: false };
    if (wanted.length === 0) return { ...result, complete: true };
    const others: Message[] = [];
    try {
      for (let receives = 0; receives < MAX_RECEIVES; receives++) {
        const { Messages = [] } = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.url,
            MaxNumberOfMessages: BATCH,
            WaitTimeSeconds: WAIT_SECONDS,
            VisibilityTimeout: SCAN_VISIBILITY_SECONDS,
            MessageAttributeNames: ['All'],
          }),
        );
        if (Messages.length === 0) {
          result.complete = true;
          break;
        }
        result.scanned += Messages.length;
        const matches: { message: Message; index: number }[] = [];
        for (const message of Messages) {
          const copy = this.describe(message);
          const index = wanted.findIndex((key) => isCopyOf(copy, key, routePrefix));
          if (index >= 0) matches.push({ message, index });
          else others.push(message);
        }
        const deleted = await this.deleteAll(matches.map((m) => m.message));
        for (const m of matches) {
          if (deleted.has(m.message.ReceiptHandle!)) result.removed[m.index]! += 1;
          else others.push(m.message);
        }
      }
    } finally {
      await this.release(others);
    }
    return result;
  }

  /** Id and route from the attributes the drain sets, else from the body (notification or JSON envelope). */
  private describe(message: Message): CopyFacts {
    const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
    const body = message.Body ?? '';
    const at = attribute(DEAD_LETTERED_AT_ATTRIBUTE);
    return { ...this.describeBody(body, attribute), ...(at !== undefined ? { at: new Date(at) } : {}) };
  }

  private describeBody(body: string, attribute: (name: string) => string | undefined): CopyFacts {
    try {
      const parsed = this.parse(body);
      return { messageId: attribute('messageId') ?? parsed.messageId, route: attribute('route'), objectKey: parsed.objectKey, copy: copyOf(parsed) };
    } catch {
      // not a notification: the JSON envelope of a malformed one, or something else
    }
    try {
      const { deadLetter } = JSON.parse(body) as { deadLetter?: CopyFacts };
      return { messageId: attribute('messageId') ?? deadLetter?.messageId, route: attribute('route') ?? deadLetter?.route, objectKey: deadLetter?.objectKey };
    } catch {
      return { messageId: attribute('messageId'), route: attribute('route') };
    }
  }

  /** Receipt handles SQS confirmed deleted. */
  private async deleteAll(messages: Message[]): Promise<Set<string>> {
    const done = new Set<string>();
    for (let start = 0; start < messages.length; start += BATCH) {
      const chunk = messages.slice(start, start + BATCH);
      const { Successful = [] } = await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.url,
          Entries: chunk.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
      for (const ok of Successful) done.add(chunk[Number(ok.Id)]!.ReceiptHandle!);
    }
    return done;
  }

  /** Visible again now; a failure only leaves them hidden until the short timeout ends. */
  private async release(messages: Message[]): Promise<void> {
    for (let start = 0; start < messages.length; start += BATCH) {
      const chunk = messages.slice(start, start + BATCH);
      await this.sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.url,
            Entries: chunk.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
          }),
        )
        .catch(() => undefined);
    }
  }
}
