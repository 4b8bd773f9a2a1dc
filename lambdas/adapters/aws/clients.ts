// Builds the SDK v3 clients the adapters need, from one small config. Every
// caller gets fresh clients (no module-level singletons) so tests can point
// them at local emulators or wrap them in mocks.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MARSHALL } from './dynamo-batch-writer.js';

export interface AwsClientConfig {
  region: string;
  /** One endpoint for every service (LocalStack, or the embedded emulators). */
  endpoint?: string;
  /** Per-service overrides, for the embedded emulators that listen on different ports. */
  endpoints?: Partial<Record<'s3' | 'sqs' | 'sns' | 'dynamodb' | 'ses' | 'lambda' | 'secretsManager', string>>;
  /** Where AWS_ENDPOINT_URL and credentials are looked up; process.env by default. */
  env?: NodeJS.ProcessEnv;
}

export interface AwsClients {
  region: string;
  s3: S3Client;
  sqs: SQSClient;
  sns: SNSClient;
  dynamo: DynamoDBClient;
  /** Document client over `dynamo`: plain JS values in and out. */
  doc: DynamoDBDocumentClient;
  /**
   * A second DynamoDB client for the drain's grouped BatchGetItem/BatchWriteItem
   * (raw attribute values, marshalled by the caller), with its middleware stack
   * cached: the document client refuses `cacheMiddleware`, and resolving the
   * stack on every call was a large part of the drain's CPU.
   */
  batchDynamo: DynamoDBClient;
  ses: SESClient;
  /** SESv2: the notices' configuration set switch (pause, resume). */
  sesv2: SESv2Client;
  lambda: LambdaClient;
  secrets: SecretsManagerClient;
  /** Closes every client's sockets. */
  destroy(): void;
}

/** Emulators accept any key; real AWS never sees these (only used with an endpoint). */
const LOCAL_CREDENTIALS = { accessKeyId: 'backupmx-local', secretAccessKey: 'backupmx-local' };

function hasConfiguredCredentials(env: NodeJS.ProcessEnv): boolean {
  return Boolean(
    env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
  );
}

/** Base options for one service: region, endpoint, and local credentials when needed. */
function baseOptions(config: AwsClientConfig, service: keyof NonNullable<AwsClientConfig['endpoints']>) {
  const env = config.env ?? process.env;
  const endpoint = config.endpoints?.[service] ?? config.endpoint ?? (env.AWS_ENDPOINT_URL || undefined);
  const options: { region: string; endpoint?: string; credentials?: typeof LOCAL_CREDENTIALS } = {
    region: config.region,
  };
  if (endpoint) {
    options.endpoint = endpoint;
    if (!hasConfiguredCredentials(env)) options.credentials = LOCAL_CREDENTIALS;
  }
  return options;
}

// `cacheMiddleware`: each command class resolves its middleware stack once per
// client instead of on every call (about a quarter of the CPU of a GetObject or
// an SQS call). The SDK then shares one handler context among concurrent calls
// of a class; that is safe here because everything a call writes into it (the
// endpoint, the signing scheme) is the same for every call of these clients:
// one region, and for S3 one bucket (the mail bucket; see S3MessageStore): a
// call to another bucket could be sent to the first one's virtual host, so the
// S3 client refuses a second bucket (oneBucketOnly). S3 region redirects stay
// off (they would stick in the shared context). No middleware may be added to
// these clients after their first call.
export function createAwsClients(config: AwsClientConfig): AwsClients {
  const s3Base = baseOptions(config, 's3');
  const sqsBase = baseOptions(config, 'sqs');
  const dynamo = new DynamoDBClient(baseOptions(config, 'dynamodb'));
  const batchDynamo = new DynamoDBClient({ ...baseOptions(config, 'dynamodb'), cacheMiddleware: true });
  const clients = {
    region: config.region,
    // Emulators serve buckets by path, not by virtual host names. Checksums only
    // where S3 requires them: the drain's GET of every message otherwise runs a
    // CRC over the body and the SDK's checksum middleware on every call (TLS
    // already guards the bytes in transit; S3 checks what SES stored).
    s3: new S3Client({
      ...s3Base,
      forcePathStyle: s3Base.endpoint !== undefined,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      cacheMiddleware: true,
    }),
    // Local queue URLs name hosts (sqs.<region>.localhost) that may not resolve:
    // send to the configured endpoint and pass the queue URL in the request.
    sqs: new SQSClient({ ...sqsBase, ...(sqsBase.endpoint ? { useQueueUrlAsEndpoint: false } : {}), cacheMiddleware: true }),
    sns: new SNSClient(baseOptions(config, 'sns')),
    dynamo,
    batchDynamo,
    doc: DynamoDBDocumentClient.from(dynamo, {
      // The grouped writer marshals the same way; a copy, since the document client adds its own defaults to it.
      marshallOptions: { ...MARSHALL },
    }),
    ses: new SESClient(baseOptions(config, 'ses')),
    sesv2: new SESv2Client(baseOptions(config, 'ses')),
    lambda: new LambdaClient(baseOptions(config, 'lambda')),
    secrets: new SecretsManagerClient(baseOptions(config, 'secretsManager')),
  };
  oneBucketOnly(clients.s3);
  return {
    ...clients,
    destroy() {
      for (const client of [clients.s3, clients.sqs, clients.sns, dynamo, batchDynamo, clients.ses, clients.sesv2, clients.lambda, clients.secrets]) {
        client.destroy();
      }
    },
  };
}

/** What the trigger function talks to (it builds no engine, so it creates no other client). */
export interface TriggerClients {
  doc: DynamoDBDocumentClient;
  secrets: SecretsManagerClient;
  lambda: LambdaClient;
}

export function createTriggerClients(config: AwsClientConfig): TriggerClients {
  const dynamo = new DynamoDBClient(baseOptions(config, 'dynamodb'));
  return {
    doc: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { ...MARSHALL } }),
    secrets: new SecretsManagerClient(baseOptions(config, 'secretsManager')),
    lambda: new LambdaClient(baseOptions(config, 'lambda')),
  };
}

/** What the canary function talks to: its key in the table and SES sending. */
export interface CanaryClients {
  doc: DynamoDBDocumentClient;
  ses: SESClient;
}

export function createCanaryClients(config: AwsClientConfig): CanaryClients {
  const dynamo = new DynamoDBClient(baseOptions(config, 'dynamodb'));
  return { doc: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { ...MARSHALL } }), ses: new SESClient(baseOptions(config, 'ses')) };
}

/** Thrown when a bucket-bound S3 client (see createAwsClients) is asked for another bucket. */
export class SecondBucketError extends Error {
  constructor(bound: string, asked: string) {
    super(`this S3 client serves bucket "${bound}" only (its middleware stack is cached per command); create another client for "${asked}"`);
    this.name = 'SecondBucketError';
  }
}

/** Binds the client to the first bucket it is asked for, before any I/O of the call. */
function oneBucketOnly(s3: S3Client): void {
  let bound: string | undefined;
  s3.middlewareStack.add(
    (next) => async (args) => {
      const asked = (args.input as { Bucket?: unknown }).Bucket;
      if (typeof asked === 'string') {
        bound ??= asked;
        if (asked !== bound) throw new SecondBucketError(bound, asked);
      }
      return next(args);
    },
    { step: 'initialize', priority: 'high', name: 'backupMxOneBucket' },
  );
}
