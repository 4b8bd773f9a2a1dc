// MailQueue on one route's SQS queue. Bounds are SQS's own: visibility at
// most 12 h, a per-message delay at most 15 min, at most 10 per receive.
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type QueueAttributeName,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { MailQueue, QueuedMessage } from '../../core/drain/ports.js';

export const MAX_VISIBILITY_SECONDS = 43_200;
export const MAX_DELAY_SECONDS = 900;
export const MAX_WAIT_SECONDS = 20;
/** Kept off the 12 h limit so clock skew between us and SQS never tips a defer over it. */
const VISIBILITY_MARGIN_SECONDS = 60;

const SYSTEM_ATTRIBUTES = ['ApproximateReceiveCount', 'SentTimestamp'] as const;
const DELETE_BATCH_MAX = 10;
/** A delete this soon after the last one means a busy drain: wait DELETE_LINGER_MS for company. */
const DELETE_BUSY_MS = 100;
const DELETE_LINGER_MS = 5;

interface PendingDelete {
  handle: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** SQS refused one entry of a DeleteMessageBatch. */
export class QueueDeleteError extends Error {
  constructor(
    readonly code: string,
    detail: string,
  ) {
    super(`DeleteMessage refused: ${code}${detail ? ` (${detail})` : ''}`);
    this.name = 'QueueDeleteError';
  }
}

export class SqsMailQueue implements MailQueue {
  /**
   * When each handle was received: SQS refuses a visibility that reaches past
   * 12 h after the receive, so defer clamps to what is left of it.
   */
  private readonly receivedAt = new Map<string, number>();
  /** Deletes waiting for the one in flight to return (sent together then). */
  private readonly pendingDeletes: PendingDelete[] = [];
  private deleting = false;
  private lastDeleteSentAt = -Infinity;
  private cancelLinger: (() => void) | undefined;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  async receive(max: number, waitSeconds: number, visibilitySeconds?: number): Promise<QueuedMessage[]> {
    const result = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: clamp(max, 1, 10),
        WaitTimeSeconds: clamp(waitSeconds, 0, MAX_WAIT_SECONDS),
        VisibilityTimeout:
          visibilitySeconds === undefined ? undefined : clamp(visibilitySeconds, 0, MAX_VISIBILITY_SECONDS),
        MessageSystemAttributeNames: [...SYSTEM_ATTRIBUTES],
        // Older emulators (and LocalStack versions) only read the deprecated field,
        // which SQS still accepts with these names; the SDK's type for it is narrower.
        AttributeNames: [...SYSTEM_ATTRIBUTES] as unknown as QueueAttributeName[],
      }),
    );
    const receivedAt = this.now();
    this.forgetOldHandles(receivedAt);
    return (result.Messages ?? []).flatMap((message) => {
      if (!message.ReceiptHandle) return [];
      this.receivedAt.set(message.ReceiptHandle, receivedAt);
      const sent = Number(message.Attributes?.SentTimestamp);
      return [
        {
          handle: message.ReceiptHandle,
          body: message.Body ?? '',
          receiveCount: Number(message.Attributes?.ApproximateReceiveCount) || 1,
          enqueuedAt: Number.isFinite(sent) && sent > 0 ? new Date(sent) : new Date(),
        },
      ];
    });
  }

  /**
   * Resolves once SQS has deleted this entry. Deletes that arrive while one is
   * in flight are sent together (DeleteMessageBatch, up to 10) when it returns:
   * a tenth of the calls when the drain is busy. A
   * delete soon after the previous one waits a few milliseconds for others
   * (at most DELETE_LINGER_MS, or until ten are waiting), so a busy drain sends
   * full batches instead of one entry and then nine; an idle queue sends after
   * the current turn of the event loop, so deletes asked together share a call.
   */
  delete(handle: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pendingDeletes.push({ handle, resolve, reject });
      if (this.deleting || this.pendingDeletes.length >= DELETE_BATCH_MAX) return void this.sendDeletes();
      if (this.cancelLinger) return;
      // Idle: after this turn of the event loop (deletes asked together go together); busy: a few ms.
      const busy = this.now() - this.lastDeleteSentAt < DELETE_BUSY_MS;
      if (busy) {
        const timer = setTimeout(() => void this.sendDeletes(), DELETE_LINGER_MS);
        this.cancelLinger = () => clearTimeout(timer);
      } else {
        const immediate = setImmediate(() => void this.sendDeletes());
        this.cancelLinger = () => clearImmediate(immediate);
      }
    });
  }

  private async sendDeletes(): Promise<void> {
    this.cancelLinger?.();
    this.cancelLinger = undefined;
    if (this.deleting) return;
    this.deleting = true;
    try {
      while (this.pendingDeletes.length > 0) {
        this.lastDeleteSentAt = this.now();
        await this.deleteBatch(this.pendingDeletes.splice(0, DELETE_BATCH_MAX));
      }
    } finally {
      this.deleting = false;
    }
  }

  private async deleteBatch(batch: PendingDelete[]): Promise<void> {
    try {
      if (batch.length === 1) {
        await this.sqs.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: batch[0]!.handle }));
        this.deleted(batch[0]!);
        return;
      }
      const { Successful = [], Failed = [] } = await this.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: batch.map((d, i) => ({ Id: String(i), ReceiptHandle: d.handle })) }),
      );
      const failed = new Map(Failed.map((f) => [f.Id, f]));
      const succeeded = new Set(Successful.map((s) => s.Id));
      batch.forEach((d, i) => {
        const failure = failed.get(String(i));
        if (failure) d.reject(new QueueDeleteError(failure.Code ?? 'Unknown', failure.Message ?? ''));
        else if (succeeded.has(String(i))) this.deleted(d);
        else d.reject(new QueueDeleteError('NoResult', 'SQS reported neither success nor failure'));
      });
    } catch (error) {
      for (const d of batch) d.reject(error as Error);
    }
  }

  private deleted(d: PendingDelete): void {
    this.receivedAt.delete(d.handle);
    d.resolve();
  }

  async defer(handle: string, delaySeconds: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: handle,
        VisibilityTimeout: clamp(delaySeconds, 0, this.visibilityLeft(handle)),
      }),
    );
  }

  async enqueue(body: string, delaySeconds = 0): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: body,
        DelaySeconds: clamp(delaySeconds, 0, MAX_DELAY_SECONDS),
      }),
    );
  }

  /** Seconds of the 12 h visibility window left for this handle (a little margin kept). */
  private visibilityLeft(handle: string): number {
    const receivedAt = this.receivedAt.get(handle);
    if (receivedAt === undefined) return MAX_VISIBILITY_SECONDS;
    const elapsedSeconds = Math.ceil((this.now() - receivedAt) / 1000);
    return Math.max(0, MAX_VISIBILITY_SECONDS - elapsedSeconds - VISIBILITY_MARGIN_SECONDS);
  }

  private forgetOldHandles(now: number): void {
    for (const [handle, at] of this.receivedAt) {
      if (now - at > MAX_VISIBILITY_SECONDS * 1000) this.receivedAt.delete(handle);
    }
  }

  async depth(): Promise<{ visible: number; inFlight: number; delayed: number }> {
    const { Attributes = {} } = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return {
      visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }
}

/** Whole seconds within SQS's bounds; NaN counts as the lower bound. */
export function clamp(value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return value === Infinity ? max : min;
  return Math.min(max, Math.max(min, Math.round(value)));
}
