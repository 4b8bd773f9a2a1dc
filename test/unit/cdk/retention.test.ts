// Nothing stranded by a route rename or removal or a destroy: the queues (which
// hold the envelopes), the bucket (the bytes) and the table (the ledger) stay.
import { describe, expect, it } from 'vitest';
import { buildStack, resources } from './stack-fixture.js';

describe('what outlives the stack', () => {
  const { template } = buildStack();

  it('route queues and the dead-letter queue are retained on delete and on replacement', () => {
    const queues = resources(template, 'AWS::SQS::Queue') as Record<string, { DeletionPolicy?: string; UpdateReplacePolicy?: string }>;
    expect(Object.keys(queues)).toHaveLength(2);
    for (const [id, queue] of Object.entries(queues)) {
      expect(queue.DeletionPolicy, id).toBe('Retain');
      expect(queue.UpdateReplacePolicy, id).toBe('Retain');
    }
  });

  it('the bucket and the table are retained too', () => {
    for (const type of ['AWS::S3::Bucket', 'AWS::DynamoDB::Table']) {
      for (const resource of Object.values(resources(template, type)) as { DeletionPolicy?: string }[]) {
        expect(resource.DeletionPolicy, type).toBe('Retain');
      }
    }
  });
});
