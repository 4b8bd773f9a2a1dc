// What a BackupMxFunction may do with the stack's state: the state table, the
// mail objects, the dead-letter queue and the routes' queues (and, for the
// hourly watch, queues no route uses). Each grant sets the variable that names
// the resource, so a function never holds one without the other.
import { Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { ENV } from '../../lambdas/config/settings.js';
import type { Route } from '../../lambdas/core/model.js';
import { STACK_TAG } from '../../lambdas/core/sweep/queue-owner.js';
import { acceptFinding, arnInFinding } from '../nag.js';
import type { BackupMxFunction } from './backup-mx-function.js';
import { tableStatements, type TableAccess } from './table-access.js';

/**
 * Grants on the routes' queues. The route table itself travels in the state
 * table (RouteTable), never in the environment: Lambda caps it at 4 KB.
 */
export function grantRouteQueues(
  target: BackupMxFunction,
  routes: { route: Omit<Route, 'queueUrl'>; queue: sqs.IQueue }[],
  access: 'consume' | 'attributes' | 'none',
): void {
  for (const { queue } of routes) {
    if (access === 'consume') {
      queue.grantConsumeMessages(target.fn); // receive, delete, change visibility, attributes
      queue.grantSendMessages(target.fn); // re-enqueue before SQS's 14-day limit
    } else if (access === 'attributes') {
      target.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:GetQueueAttributes'], resources: [queue.queueArn] }));
    }
  }
}

/** Access to the state table by the item kinds the function owns (table-access.ts), and its name. */
export function grantTable(target: BackupMxFunction, table: dynamodb.ITable, access: TableAccess): void {
  for (const statement of tableStatements(table, access)) target.fn.addToRolePolicy(statement);
  if (access === 'drain' || access === 'probe') {
    acceptFinding(target, `IAM5[Resource::${arnInFinding(table)}/index/*]`, 'Reads of the state table include its own index (the byRoute GSI); no other table.');
  }
  target.fn.addEnvironment(ENV.tableName, table.tableName);
}

/**
 * 'read' covers GetObject and HeadObject; 'read-delete' adds DeleteObject;
 * 'none' only names the bucket. Never the bucket policy, ACLs or PutObject.
 * Readers may also list the prefix: without s3:ListBucket, S3 answers a
 * missing key with 403 AccessDenied instead of 404, and the engine could not
 * tell a deleted message from a permission problem.
 */
export function grantMailObjects(target: BackupMxFunction, bucket: s3.IBucket, prefix: string, access: 'read' | 'read-delete' | 'none'): void {
  if (access !== 'none') {
    const actions = access === 'read' ? ['s3:GetObject'] : ['s3:GetObject', 's3:DeleteObject'];
    target.fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: [bucket.arnForObjects(`${prefix}*`)] }));
    // No s3:prefix condition: GetObject and HeadObject carry no s3:prefix, so
    // with one S3 would still answer a missing key with 403, not 404.
    target.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
    acceptFinding(
      target,
      `IAM5[Resource::${arnInFinding(bucket)}/${prefix}*]`,
      'Object names are SES message ids, unknown in advance; access is limited to the mail prefix and to object reads (and deletes for the drain).',
    );
  }
  target.fn.addEnvironment(ENV.bucketName, bucket.bucketName);
}

export function grantDeadLetterQueue(target: BackupMxFunction, queue: sqs.IQueue, access: 'send' | 'none'): void {
  if (access === 'send') queue.grantSendMessages(target.fn);
  target.fn.addEnvironment(ENV.deadLetterQueueUrl, queue.queueUrl);
}

/**
 * For the hourly watch on queues no route uses: list the account's queues
 * (ListQueues takes no resource but "*"), read the tags of those named like
 * the stack's (CloudFormation names them `<stack name>-<logical id>-<suffix>`,
 * and so it does stack "<stack name>-eu"'s), and read the counts only of
 * queues tagged as this stack's (SQS supports aws:ResourceTag in IAM policies
 * for its queue actions), which no other stack's queue is.
 */
export function grantQueueWatch(target: BackupMxFunction): void {
  const { stackName } = Stack.of(target);
  target.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:ListQueues'], resources: ['*'] }));
  const namedLikeOurs = `arn:${Aws.PARTITION}:sqs:${Aws.REGION}:${Aws.ACCOUNT_ID}:${stackName}-*`;
  target.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:ListQueueTags'], resources: [namedLikeOurs] }));
  target.fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['sqs:GetQueueAttributes'],
      resources: [namedLikeOurs],
      conditions: { StringEquals: { [`aws:ResourceTag/${STACK_TAG}`]: stackName } },
    }),
  );
  acceptFinding(
    target,
    'IAM5[Resource::*]',
    'sqs:ListQueues supports no resource but "*" and returns only queue URLs; any kms:Decrypt on "*" is limited by conditions to the named AUTH secrets.',
  );
  acceptFinding(
    target,
    `IAM5[Resource::arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:${stackName}-*]`,
    'Old queues of this stack (retained after a route was renamed or removed) have generated names not known at synth: only their tags, and the counts of those tagged as this stack\'s.',
  );
}
