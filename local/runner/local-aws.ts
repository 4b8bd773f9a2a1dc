// The runner's AWS: the embedded emulators (fauxqs + dynalite in this
// process, on a worker thread of their own so the drain gets the main
// thread's core to itself), or an existing endpoint such as LocalStack when AWS_ENDPOINT_URL
// is set. Either way the same clients, provisioning and engine code follow.
import { createAwsClients, type AwsClientConfig, type AwsClients } from '../../lambdas/adapters/aws/clients.js';
import type { Emulators } from '../emulators.js';
import { startEmulatorsInThread } from '../emulator-thread.js';
import { provision, type ProvisionOptions, type Provisioned } from '../provision.js';
import type { RuntimeInfo } from '../runtime-file.js';

export interface LocalAwsConnection {
  clients: AwsClients;
  /** How `clients` reach AWS, for a caller (a test, a tool) that makes clients of its own. */
  clientConfig: AwsClientConfig;
  endpoints: RuntimeInfo['endpoints'];
  /** True when the endpoint keeps its own state across a runner restart (LocalStack). */
  persistent: boolean;
  provision(options: ProvisionOptions): Promise<Provisioned>;
  /** One line saying where AWS is and what survives a restart. */
  describe(): string;
  close(): Promise<void>;
}

export interface LocalAwsOptions {
  endpoint?: string;
  dataDir?: string;
  region: string;
  env: NodeJS.ProcessEnv;
}

export async function connectLocalAws(options: LocalAwsOptions): Promise<LocalAwsConnection> {
  const { endpoint, dataDir, region, env } = options;
  let emulators: Emulators | undefined;
  if (!endpoint) emulators = await startEmulatorsInThread({ region, ...(dataDir ? { dataDir } : {}) });
  const clientConfig: AwsClientConfig = emulators?.clientConfig ?? { region, endpoint, env };
  const clients = createAwsClients(clientConfig);
  const endpoints = emulators
    ? { s3: emulators.s3Endpoint, sqs: emulators.sqsEndpoint, sns: emulators.snsEndpoint, dynamodb: emulators.dynamoEndpoint }
    : { s3: endpoint!, sqs: endpoint!, sns: endpoint!, dynamodb: endpoint! };
  let closed = false;
  return {
    clients,
    clientConfig,
    endpoints,
    persistent: !emulators,
    provision: (provisionOptions) => provision(clients, provisionOptions),
    describe() {
      if (!emulators) {
        const spool = dataDir ? `; mail spool in ${dataDir}` : '';
        return `AWS at ${endpoint} (AWS_ENDPOINT_URL), region ${region}${spool}`;
      }
      const where = `S3/SNS/SQS ${endpoints.s3}, DynamoDB ${endpoints.dynamodb}; own thread`;
      return dataDir
        ? `AWS emulated in this process (${where}); state kept in ${dataDir}: queued mail survives a restart`
        : `AWS emulated in this process (${where}); state in memory: queued mail is lost when it stops (set BACKUPMX_DATA_DIR to keep it)`;
    },
    async close() {
      if (closed) return;
      closed = true;
      clients.destroy();
      await emulators?.stop();
    },
  };
}
