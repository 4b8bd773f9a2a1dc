// AWS cost of delivering messages, from the requests the relay made and the
// Lambda time it took. On-demand list prices, us-east-1, as published in 2025:
// DynamoDB on-demand $0.625 per million write request units and $0.125 per
// million read request units (after the November 2024 cut); SQS standard
// $0.40 per million requests (each 64 KB chunk bills as one); S3 Standard
// GET $0.0004 per 1,000, PUT/DELETE-class $0.005 per 1,000 (DELETE is free);
// Lambda Arm (as deployed) $0.0000133334 per GB-second. Free tiers are left out.
import type { AwsRequestCounts } from './aws-request-meter.js';

export const PRICES = {
  dynamoWriteUnit: 0.625 / 1e6,
  dynamoReadUnit: 0.125 / 1e6,
  sqsRequest: 0.4 / 1e6,
  s3Get: 0.0004 / 1_000,
  s3Put: 0.005 / 1_000,
  lambdaGbSecond: 0.0000133334,
} as const;

export interface CostFigure {
  /** Dollars per 10,000 delivered messages, by what is billed. */
  dynamoWrites: number;
  dynamoReads: number;
  sqs: number;
  s3: number;
  lambda: number;
  total: number;
  /** Lambda GB-seconds per 10,000 messages at the modelled memory size and the measured rate. */
  lambdaGbSeconds: number;
}

export function costPer10k(requests: AwsRequestCounts, messages: number, drain: { messagesPerSecond: number; lambdaMemoryMb: number }): CostFigure {
  const scale = 10_000 / Math.max(1, messages);
  const op = (name: string) => requests.byOperation[name] ?? 0;
  const s3Gets = op('s3.GetObject') + op('s3.HeadObject');
  const s3Puts = op('s3.PutObject') + op('s3.CopyObject') + op('s3.ListObjectsV2');
  const lambdaGbSeconds = drain.messagesPerSecond > 0 ? (10_000 / drain.messagesPerSecond) * (drain.lambdaMemoryMb / 1024) : 0;
  const parts = {
    dynamoWrites: requests.writeUnits * scale * PRICES.dynamoWriteUnit,
    dynamoReads: requests.readUnits * scale * PRICES.dynamoReadUnit,
    sqs: requests.sqsBilledRequests * scale * PRICES.sqsRequest,
    s3: (s3Gets * PRICES.s3Get + s3Puts * PRICES.s3Put) * scale,
    lambda: lambdaGbSeconds * PRICES.lambdaGbSecond,
  };
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  const cents = (n: number) => Math.round(n * 1e5) / 1e5;
  return {
    dynamoWrites: cents(parts.dynamoWrites),
    dynamoReads: cents(parts.dynamoReads),
    sqs: cents(parts.sqs),
    s3: cents(parts.s3),
    lambda: cents(parts.lambda),
    total: cents(total),
    lambdaGbSeconds: Math.round(lambdaGbSeconds * 10) / 10,
  };
}
