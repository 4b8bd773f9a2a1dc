// Review of issue 17 (least privilege by data ownership): dead letters live in
// the message's own partition (msg#<id> / dead#<route>#<copy>), where accept may
// put items "with a summary's attributes" (IAM cannot see sort keys). Those
// attributes include route, copy and the byRoute index keys, so a bug in accept
// (the function that parses what senders control) can replace a dead letter
// with an item that keeps its place in `mailq --dead` but has lost its reason,
// detail, notification and object key: the record an operator needs to read
// and replay the mail. README ("Who may write what") says the worst such an
// item can do is a recipient delivered twice. Fails now; passes once dead
// letters (and the drain's other records) sit in a partition accept cannot write.
import { describe, expect, it } from 'vitest';
import { deadIndexKey, deadSort, GSI, messageKey, PK, SK } from '../../lambdas/adapters/aws/dynamo-keys.js';
import { QUEUED_SUMMARY_ATTRIBUTES } from '../../lambdas/adapters/aws/dynamo-index-done.js';
import { isAllowed, type PolicyStatement } from '../support/iam-evaluate.js';
import { buildStack, resources, statementsOf } from '../unit/cdk/stack-fixture.js';

const { template } = buildStack();
const tableId = Object.keys(resources(template, 'AWS::DynamoDB::Table'))[0]!;
const accept = statementsOf(template, 'indexes each message') as unknown as PolicyStatement[];

describe('review: accept cannot replace a dead letter', () => {
  it('no write by accept reaches the partition a dead letter is kept in, even with only a summary\'s attributes', () => {
    // The item the dead-letter store writes (dynamo-dead-letter-store.ts), and an inert one over it.
    const deadLetter = { [PK]: messageKey('m1'), [SK]: deadSort('corp', 'c1'), [GSI.partitionKey]: deadIndexKey('corp') };
    const inert = [PK, SK, 'messageId', 'route', 'copy', GSI.partitionKey, GSI.sortKey];
    expect(inert.every((a) => (QUEUED_SUMMARY_ATTRIBUTES as readonly string[]).includes(a))).toBe(true);
    const put = isAllowed(accept, { action: 'dynamodb:PutItem', resource: `<${tableId}.Arn>`, context: { 'dynamodb:LeadingKeys': [deadLetter[PK]], 'dynamodb:Attributes': inert } });
    expect(put).toBe(false);
  });
});
