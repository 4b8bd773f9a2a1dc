// Recognising AWS service errors by name. SDK v3 exceptions carry the AWS
// error code in `name`; some protocols (and mocks) put it in `Code` instead,
// and SQS's JSON protocol may qualify it ("AWS.SimpleQueueService.QueueNameExists").

export function awsErrorName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const { name, Code } = error as { name?: unknown; Code?: unknown };
  const raw = typeof name === 'string' && name !== 'Error' && name !== '' ? name : typeof Code === 'string' ? Code : '';
  return raw.split(/[.#]/).pop() ?? '';
}

export function isAwsError(error: unknown, ...names: string[]): boolean {
  return names.includes(awsErrorName(error));
}

/** HTTP status of a failed SDK call, when the service answered. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** DynamoDB's answer to a write whose ConditionExpression did not hold. */
export const CONDITION_FAILED = 'ConditionalCheckFailedException';
