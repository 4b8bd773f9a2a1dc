// The shared SQS dead-letter queue (DLQ) as the CLI sees it. The drain puts a
// copy of each dead letter there (message attributes messageId and route, the
// notification as body) so its depth alarm tells a person; SQS redrive puts a
// poison message there too, with no record and no attributes. Once a dead
// letter is requeued or deleted its copy must go, or the alarm stays up.
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DEAD_LETTERED_AT_ATTRIBUTE } from '../lambdas/adapters/aws/dynamo-dead-letter-store.js';
import { SqsMailQueue } from '../lambdas/adapters/aws/sqs-mail-queue.js';
import { routePrefix } from '../lambdas/config/mail-layout.js';
import type { NotificationParser } from '../lambdas/core/drain/drain-deps.js';
import { copyOf } from '../lambdas/core/message/message-copy.js';
import type { Target } from './target.js';

/** How long scanned copies stay hidden if releasing them fails (they are released at once otherwise). */
const SCAN_VISIBILITY_SECONDS = 30;
/** Bounds one scan: 100 receives of up to 10 copies. */
const MAX_RECEIVES = 100;
/** Long poll briefly: a short poll samples only some SQS servers and can miss copies of a small queue. */
const WAIT_SECONDS = 1;
const BATCH = 10;

/** A copy to remove: the message id, and its route when known (a message in two routes has a copy per route). */
export interface CopyKey {
  messageId: string;
  route?: string;
  /**
   * Which of the message's copies on the route (core/message/message-copy: a route split
   * over several receipt rules dead-letters one per rule), when known: only
   * that copy's queue message is removed.
   */
  copy?: string;
  /**
   * The `at` of the record removed: only copies put at or before it go (a
   * later one stands for a record a drain wrote since, which stays). Copies
   * with no time (redriven, or sent before the attribute existed) match
   * whatever it is. Omitted: every copy of the key.
   */
  writtenUpTo?: Date;
}

export interface RemoveResult {
  /** Copies removed, per wanted key (same order). */
  removed: number[];
  /** Copies received and looked at. */
  scanned: number;
  /** False when the receive bound stopped the scan before the queue ran dry. */
  complete: boolean;
}

export class DeadLetterQueue {
  constructor(
    private readonly sqs: SQSClient,
    readonly url: string,
    private readonly parse: NotificationParser,
  ) {}

  static of(target: Target): DeadLetterQueue {
    return new DeadLetterQueue(target.engine.clients.sqs, target.settings.deadLetterQueueUrl, target.engine.deps.parse);
  }

  /** Approximate number of copies on the queue (visible, in flight and delayed). */
  async depth(): Promise<number> {
    const d = await new SqsMailQueue(this.sqs, this.url).depth();
    return d.visible + d.inFlight + d.delayed;
  }

  /**
   * Deletes the copies of `wanted`, and makes every other copy received
   * visible again at once. Copies another reader holds are not seen.
   */
  async removeCopies(wanted: CopyKey[]): Promise<RemoveResult> {
    const result: RemoveResult = { removed: wanted.map(() => 0), scanned: 0, complete: false };
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
          const index = wanted.findIndex((key) => isCopyOf(copy, key));
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

interface CopyFacts {
  messageId?: string | undefined;
  route?: string | undefined;
  objectKey?: string | undefined;
  copy?: string | undefined;
  /** When its record was put (the deadLetteredAt attribute). */
  at?: Date;
}

function isCopyOf(copy: CopyFacts, key: CopyKey): boolean {
  if (copy.messageId !== key.messageId) return false;
  // An invalid time (a hand-made copy) compares false: it matches like a copy with none.
  if (key.writtenUpTo !== undefined && copy.at !== undefined && copy.at.getTime() > key.writtenUpTo.getTime()) return false;
  if (key.copy !== undefined && copy.copy !== undefined && copy.copy !== key.copy) return false;
  if (key.route === undefined || copy.route === key.route) return true;
  if (copy.route !== undefined) return false;
  // A redriven copy names no route: its object key does (`mail/<route>/<id>`).
  return copy.objectKey === undefined || copy.objectKey.startsWith(routePrefix(key.route));
}

/** The DLQ depth against the dead-letter records: copies beyond the records have none (redriven poison messages). */
export async function deadLetterQueueCheck(target: Target): Promise<{ depth: number; records: number; unrecorded: number; url: string }> {
  const dlq = DeadLetterQueue.of(target);
  const [depth, records] = await Promise.all([dlq.depth(), target.engine.deps.deadLetters.list().then((r) => r.length)]);
  return { depth, records, unrecorded: Math.max(0, depth - records), url: dlq.url };
}

/** The problem and its fix when copies lack a record, or undefined when there are none. */
export function unrecordedCopies(check: { unrecorded: number; url: string }): { problem: string; fix: string } | undefined {
  const n = check.unrecorded;
  if (n === 0) return undefined;
  return {
    problem: `${n} message${n === 1 ? '' : 's'} on the dead-letter queue ${n === 1 ? 'has' : 'have'} no record`,
    fix: `inspect them with the AWS console or \`aws sqs receive-message --queue-url ${check.url} --message-attribute-names All\``,
  };
}

/** One line on the DLQ for status and `mailq --dead`, and the warning if copies lack a record; never throws. */
export async function deadLetterQueueReport(target: Target): Promise<{ summary: string; warning?: string }> {
  try {
    const check = await deadLetterQueueCheck(target);
    const n = check.depth;
    const summary = `dead-letter queue: ~${n} message${n === 1 ? '' : 's'} for ${check.records} dead-letter record${check.records === 1 ? '' : 's'}`;
    const unrecorded = unrecordedCopies(check);
    return unrecorded ? { summary, warning: `${unrecorded.problem}: ${unrecorded.fix}` } : { summary };
  } catch (error) {
    return { summary: `dead-letter queue: depth unknown (${(error as Error).name}: ${(error as Error).message})` };
  }
}
