// A queue's depth, every message together (QueueDepth, core/problems): the
// dead-letter queue as SQS sees it, the probe's second signal beside the
// dead-letter records. Visible, in flight and delayed are all counted:
// `ApproximateNumberOfMessages` alone leaves out a message someone is reading
// (`backup-mx mailq --dead` receives them), so the condition would blink off.
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueDepth } from '../../core/problems/problem-ports.js';

export const QUEUE_DEPTH_ATTRIBUTES = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] as const;

export class SqsQueueDepth implements QueueDepth {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async depth(): Promise<number> {
    const { Attributes = {} } = await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: [...QUEUE_DEPTH_ATTRIBUTES] }));
    let total = 0;
    for (const name of QUEUE_DEPTH_ATTRIBUTES) {
      const value = Number(Attributes[name]);
      // A missing or odd figure is no zero: the probe reports the read as failed.
      if (!Number.isInteger(value) || value < 0) throw new Error(`${this.queueUrl}: GetQueueAttributes gave no ${name} (${JSON.stringify(Attributes[name])})`);
      total += value;
    }
    return total;
  }
}
