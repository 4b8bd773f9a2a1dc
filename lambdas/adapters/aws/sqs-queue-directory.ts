// The account's queues through ListQueues, GetQueueAttributes and
// ListQueueTags. ListQueues returns at most 1,000 URLs a call and a NextToken
// only when MaxResults is set, so every call sets it and follows the token to
// the last page.
import { GetQueueAttributesCommand, ListQueuesCommand, ListQueueTagsCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueDepth, QueueDirectory } from '../../core/sweep/ports.js';
import { isAwsError } from './aws-errors.js';

/** ListQueues' largest page. */
export const LIST_QUEUES_MAX_RESULTS = 1000;

export class SqsQueueDirectory implements QueueDirectory {
  constructor(
    private readonly sqs: SQSClient,
    private readonly pageSize = LIST_QUEUES_MAX_RESULTS,
  ) {}

  async *list(prefix: string): AsyncIterable<string> {
    let token: string | undefined;
    do {
      const page = await this.sqs.send(
        new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: this.pageSize, ...(token ? { NextToken: token } : {}) }),
      );
      yield* page.QueueUrls ?? [];
      token = page.NextToken;
    } while (token);
  }

  async depth(url: string): Promise<QueueDepth | undefined> {
    try {
      const { Attributes = {} } = await this.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
        }),
      );
      return {
        visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
        delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
      };
    } catch (error) {
      // Deleted after ListQueues still showed it.
      if (isAwsError(error, 'QueueDoesNotExist', 'NonExistentQueue')) return undefined;
      throw error;
    }
  }

  async tags(url: string): Promise<Record<string, string> | undefined> {
    try {
      const { Tags = {} } = await this.sqs.send(new ListQueueTagsCommand({ QueueUrl: url }));
      return Tags;
    } catch (error) {
      if (isAwsError(error, 'QueueDoesNotExist', 'NonExistentQueue')) return undefined;
      throw error;
    }
  }
}
