// Local AWS in the same process: fauxqs for S3/SNS/SQS and dynalite for
// DynamoDB, both on 127.0.0.1 and free ports. Used by `npm start`, the demo,
// and the integration and end-to-end tests.
//
// What survives a restart: with `dataDir`, dynalite keeps the table in
// `<dataDir>/dynamodb` (LevelDB). fauxqs keeps NOTHING across restarts: its
// buckets, objects, topics, queues and messages live in memory only, so the
// caller must snapshot and restore them itself if it needs them back.
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { buildApp } from 'fauxqs';
import type { AwsClientConfig } from '../lambdas/adapters/aws/clients.js';
import { UNUSED_SERVICE_ENDPOINT } from './runtime-file.js';

export interface EmulatorOptions {
  /** Directory for state that can persist (DynamoDB only); in memory when absent. */
  dataDir?: string;
  /** Region the clients should sign with; fauxqs puts it in ARNs and queue URLs. */
  region?: string;
}

export interface Emulators {
  s3Endpoint: string;
  sqsEndpoint: string;
  snsEndpoint: string;
  dynamoEndpoint: string;
  region: string;
  /** Ready-made config for createAwsClients, one endpoint per service. */
  clientConfig: AwsClientConfig;
  /** Closes both servers and every connection to them. */
  stop(): Promise<void>;
}

const DEFAULT_REGION = 'us-east-1';

export async function startEmulators(opts: EmulatorOptions = {}): Promise<Emulators> {
  const region = opts.region ?? DEFAULT_REGION;

  // fauxqs's own startFauxqs binds 0.0.0.0; build the app and bind loopback only.
  // Its queue URLs look like http://sqs.<region>.localhost:<port>/...: clients send
  // to the endpoint instead (useQueueUrlAsEndpoint: false in clients.ts).
  const fauxqs = buildApp({ logger: false, defaultRegion: region });
  const fauxqsAddress = await fauxqs.listen({ port: 0, host: '127.0.0.1' });

  let dynamo: Server;
  try {
    let path: string | undefined;
    if (opts.dataDir) {
      path = join(opts.dataDir, 'dynamodb');
      await mkdir(path, { recursive: true });
    }
    dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path });
    await new Promise<void>((resolve, reject) => {
      dynamo.once('error', reject);
      dynamo.listen(0, '127.0.0.1', () => {
        dynamo.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await fauxqs.close();
    throw error;
  }
  const dynamoPort = (dynamo.address() as AddressInfo).port;
  const fauxqsEndpoint = new URL(fauxqsAddress).origin;
  const dynamoEndpoint = `http://127.0.0.1:${dynamoPort}`;

  let stopped = false;
  return {
    s3Endpoint: fauxqsEndpoint,
    sqsEndpoint: fauxqsEndpoint,
    snsEndpoint: fauxqsEndpoint,
    dynamoEndpoint,
    region,
    clientConfig: {
      region,
      endpoints: {
        s3: fauxqsEndpoint,
        sqs: fauxqsEndpoint,
        sns: fauxqsEndpoint,
        dynamodb: dynamoEndpoint,
        ses: UNUSED_SERVICE_ENDPOINT,
        lambda: UNUSED_SERVICE_ENDPOINT,
        secretsManager: UNUSED_SERVICE_ENDPOINT,
      },
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      const dynamoClosed = new Promise<void>((resolve, reject) => {
        dynamo.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets from SDK clients would otherwise hold the close open.
        dynamo.closeAllConnections();
      });
      await Promise.all([fauxqs.close(), dynamoClosed]);
    },
  };
}
