import { describe, expect, it } from 'vitest';
import { awsErrorName, httpStatusOf, isAwsError } from '../../../lambdas/adapters/aws/aws-errors.js';

describe('awsErrorName', () => {
  it.each([
    [{ name: 'ConditionalCheckFailedException' }, 'ConditionalCheckFailedException'],
    [{ name: 'AWS.SimpleQueueService.QueueNameExists' }, 'QueueNameExists'],
    [{ name: 'com.amazonaws.sqs#QueueDoesNotExist' }, 'QueueDoesNotExist'],
    [Object.assign(new Error('x'), { Code: 'NoSuchKey' }), 'NoSuchKey'],
    [new Error('plain'), ''],
    ['not an error', ''],
    [null, ''],
  ])('names %o as %s', (error, expected) => {
    expect(awsErrorName(error)).toBe(expected);
  });

  it('matches any of several names, and reads the HTTP status', () => {
    expect(isAwsError({ name: 'NotFound' }, 'NoSuchKey', 'NotFound')).toBe(true);
    expect(isAwsError({ name: 'SlowDown' }, 'NoSuchKey', 'NotFound')).toBe(false);
    expect(httpStatusOf({ $metadata: { httpStatusCode: 404 } })).toBe(404);
    expect(httpStatusOf(new Error('x'))).toBeUndefined();
  });
});
