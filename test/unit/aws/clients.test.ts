import { afterEach, describe, expect, it } from 'vitest';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createAwsClients, SecondBucketError, type AwsClients } from '../../../lambdas/adapters/aws/clients.js';

let made: AwsClients[] = [];
afterEach(() => {
  for (const clients of made) clients.destroy();
  made = [];
});
const create = (...args: Parameters<typeof createAwsClients>) => {
  const clients = createAwsClients(...args);
  made.push(clients);
  return clients;
};

async function endpointOf(client: { config: { endpoint?: () => Promise<{ hostname: string; port?: number }> } }) {
  const endpoint = await client.config.endpoint?.();
  return endpoint ? `${endpoint.hostname}:${endpoint.port}` : undefined;
}

describe('createAwsClients', () => {
  it('points every client at a given endpoint, path-style S3 and endpoint-addressed SQS, with local credentials', async () => {
    const clients = create({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:4566', env: {} });
    expect(await endpointOf(clients.sqs)).toBe('127.0.0.1:4566');
    expect(await endpointOf(clients.dynamo)).toBe('127.0.0.1:4566');
    expect(clients.s3.config.forcePathStyle).toBe(true);
    expect((clients.sqs.config as { useQueueUrlAsEndpoint?: boolean }).useQueueUrlAsEndpoint).toBe(false);
    const credentials = await clients.s3.config.credentials();
    expect(credentials.accessKeyId).toBe('backupmx-local');
    expect(await clients.s3.config.region()).toBe('eu-west-1');
    // Stacks resolved once per command class where that is safe (not the document client's, which refuses it).
    const cached = (c: { config: unknown }) => (c.config as { cacheMiddleware?: boolean }).cacheMiddleware;
    expect([cached(clients.s3), cached(clients.sqs), cached(clients.batchDynamo), cached(clients.dynamo)]).toEqual([true, true, true, undefined]);
    expect(await endpointOf(clients.batchDynamo)).toBe('127.0.0.1:4566');
  });

  it('the S3 client (cached stack) serves one bucket: a second bucket is refused before any request', async () => {
    const clients = create({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', env: {} });
    clients.s3.config.maxAttempts = async () => 1;
    // Nothing listens there: the first call fails on the network, but it has bound the client to "mail".
    await expect(clients.s3.send(new HeadObjectCommand({ Bucket: 'mail', Key: 'a' }))).rejects.not.toBeInstanceOf(SecondBucketError);
    await expect(clients.s3.send(new GetObjectCommand({ Bucket: 'other', Key: 'a' }))).rejects.toBeInstanceOf(SecondBucketError);
    await expect(clients.s3.send(new GetObjectCommand({ Bucket: 'mail', Key: 'b' }))).rejects.not.toBeInstanceOf(SecondBucketError);
  });

  it('honours AWS_ENDPOINT_URL when no endpoint is given', async () => {
    const clients = create({ region: 'us-east-1', env: { AWS_ENDPOINT_URL: 'http://localhost:4566' } });
    expect(await endpointOf(clients.sns)).toBe('localhost:4566');
    expect(clients.s3.config.forcePathStyle).toBe(true);
  });

  it('uses per-service endpoints before the shared one', async () => {
    const clients = create({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:1',
      endpoints: { dynamodb: 'http://127.0.0.1:2' },
      env: {},
    });
    expect(await endpointOf(clients.dynamo)).toBe('127.0.0.1:2');
    expect(await endpointOf(clients.s3)).toBe('127.0.0.1:1');
  });

  it('keeps configured credentials with an endpoint', async () => {
    const clients = create({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:4566',
      env: { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE' },
    });
    expect(clients.s3.config.forcePathStyle).toBe(true);
    // No static override: the SDK's default chain decides.
    const sqsConfig = clients.sqs.config as { credentials: () => Promise<{ accessKeyId: string }> };
    const key = await sqsConfig.credentials().then((c) => c.accessKeyId, () => 'unresolved');
    expect(key).not.toBe('backupmx-local');
  });

  it('talks to real AWS, virtual-hosted S3 and queue-URL SQS, when no endpoint is set', async () => {
    const clients = create({ region: 'eu-west-1', env: {} });
    expect(clients.s3.config.forcePathStyle).toBe(false);
    expect((clients.sqs.config as { useQueueUrlAsEndpoint?: boolean }).useQueueUrlAsEndpoint).not.toBe(false);
    expect(await endpointOf(clients.sqs)).toBeUndefined();
  });

  it('S3 computes and checks checksums only where S3 requires them (no CRC over every message the drain reads)', async () => {
    const clients = create({ region: 'eu-west-1', env: {} });
    const config = clients.s3.config as unknown as { requestChecksumCalculation: () => Promise<string>; responseChecksumValidation: () => Promise<string> };
    expect(await config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
  });

  it('gives each call its own clients', () => {
    const a = create({ region: 'us-east-1', env: {} });
    const b = create({ region: 'us-east-1', env: {} });
    expect(a.s3).not.toBe(b.s3);
    expect(a.doc).not.toBe(b.doc);
  });
});
