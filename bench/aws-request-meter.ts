// Counts every AWS request the relay sends, by service and operation, with
// SDK middleware (so retries of the SDK itself count as they are billed), and
// can add a fixed latency per service in front of each request, to model the
// round trips of real AWS from inside a Lambda (the emulators answer in well
// under a millisecond). DynamoDB write and read units are estimated from the
// request inputs the way DynamoDB bills them: 1 WRU per started KB of item
// written, 1 RRU per started 4 KB read consistently.
import type { AwsClients } from '../lambdas/adapters/aws/clients.js';

export type MeteredService = 's3' | 'sqs' | 'dynamodb';

export interface AwsLatencies {
  s3: number;
  sqs: number;
  dynamodb: number;
}

/** What the measurements used, from within one region: SQS 10 ms, S3 15 ms, DynamoDB 5 ms. */
export const MODELLED_LATENCIES_MS: AwsLatencies = { s3: 15, sqs: 10, dynamodb: 5 };

export interface AwsRequestCounts {
  /** "service.Operation" → requests. */
  byOperation: Record<string, number>;
  requests: number;
  /** Estimated DynamoDB write request units. */
  writeUnits: number;
  /** Estimated DynamoDB read request units (consistent reads). */
  readUnits: number;
  /** SQS requests billed as 64 KB chunks: a receive of ten 10 KB bodies is 2 requests. */
  sqsBilledRequests: number;
}

export class AwsRequestMeter {
  private counts = new Map<string, number>();
  private writeUnits = 0;
  private readUnits = 0;
  private sqsBilled = 0;
  latencies: AwsLatencies = { s3: 0, sqs: 0, dynamodb: 0 };

  /** Adds the counting (and latency) middleware to the clients the engine uses. */
  attach(clients: AwsClients): void {
    this.attachTo(clients.s3, 's3');
    this.attachTo(clients.sqs, 'sqs');
    this.attachTo(clients.dynamo, 'dynamodb'); // the document client shares this stack
    this.attachTo(clients.batchDynamo, 'dynamodb'); // grouped ledger reads and writes (raw attribute values)
  }

  reset(): void {
    this.counts.clear();
    this.writeUnits = 0;
    this.readUnits = 0;
    this.sqsBilled = 0;
  }

  snapshot(): AwsRequestCounts {
    const byOperation = Object.fromEntries([...this.counts.entries()].sort((a, b) => b[1] - a[1]));
    const requests = [...this.counts.values()].reduce((a, b) => a + b, 0);
    return { byOperation, requests, writeUnits: this.writeUnits, readUnits: this.readUnits, sqsBilledRequests: this.sqsBilled };
  }

  private attachTo(client: { middlewareStack: { add: (mw: any, options: any) => void } }, service: MeteredService): void {
    client.middlewareStack.add(
      (next: (args: any) => Promise<any>, context: { commandName?: string }) => async (args: any) => {
        const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        this.counts.set(`${service}.${operation}`, (this.counts.get(`${service}.${operation}`) ?? 0) + 1);
        if (service === 'dynamodb') this.countUnits(operation, args.input);
        const latency = this.latencies[service];
        if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
        const result = await next(args);
        if (service === 'sqs') this.sqsBilled += sqsChunks(operation, args.input, result.output);
        return result;
      },
      { step: 'initialize', name: `benchMeter-${service}`, override: true },
    );
  }

  private countUnits(operation: string, input: any): void {
    const kb = (item: unknown) => Math.max(1, Math.ceil(approximateItemBytes(item) / 1024));
    switch (operation) {
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem':
        this.writeUnits += operation === 'PutItem' ? kb(input?.Item) : 1;
        break;
      case 'BatchWriteItem':
        for (const requests of Object.values<any[]>(input?.RequestItems ?? {})) {
          for (const r of requests) this.writeUnits += r.PutRequest ? kb(r.PutRequest.Item) : 1;
        }
        break;
      case 'GetItem':
      case 'Query':
        this.readUnits += 1; // the items read here are small: one 4 KB unit each call
        break;
      case 'BatchGetItem':
        for (const request of Object.values<any>(input?.RequestItems ?? {})) this.readUnits += request?.Keys?.length ?? 0;
        break;
    }
  }
}

/** Rough DynamoDB item size: attribute names plus values, as JSON text. */
function approximateItemBytes(item: unknown): number {
  return item === undefined ? 0 : Buffer.byteLength(JSON.stringify(item));
}

function sqsChunks(operation: string, input: any, output: any): number {
  const chunks = (bytes: number) => Math.max(1, Math.ceil(bytes / 65_536));
  if (operation === 'ReceiveMessage') {
    const bytes = (output?.Messages ?? []).reduce((n: number, m: any) => n + Buffer.byteLength(m.Body ?? ''), 0);
    return chunks(bytes);
  }
  if (operation === 'SendMessage') return chunks(Buffer.byteLength(input?.MessageBody ?? ''));
  return 1;
}
