// One local AWS for an integration test file: the embedded emulators (or the
// endpoint in AWS_ENDPOINT_URL, e.g. LocalStack), clients pointed at them, and
// the resources provisioned under names unique to this run.
import { randomUUID } from 'node:crypto';
import { createAwsClients, type AwsClients } from '../../lambdas/adapters/aws/clients.js';
import { startEmulators } from '../../local/emulators.js';
import { provision, type Provisioned } from '../../local/provision.js';

export interface EmulatorEnv {
  clients: AwsClients;
  resources: Provisioned;
  /** A short unique suffix for names made inside a test. */
  unique(): string;
  stop(): Promise<void>;
}

export async function startEmulatorEnv(options: { routes?: string[] } = {}): Promise<EmulatorEnv> {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  const emulators = endpoint ? undefined : await startEmulators();
  const region = emulators?.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const clients = createAwsClients(emulators?.clientConfig ?? { region, endpoint });
  const unique = () => randomUUID().slice(0, 8);
  const run = unique();
  try {
    const resources = await provision(clients, {
      bucketName: `backupmx-test-${run}`,
      tableName: `backupmx-test-${run}`,
      deadLetterQueueName: `backupmx-test-dlq-${run}`,
      routes: (options.routes ?? ['main']).map((name) => ({ name, queueName: `backupmx-test-${name}-${run}` })),
      namePrefix: `backupmx-test-${run}-`,
    });
    return {
      clients,
      resources,
      unique,
      async stop() {
        clients.destroy();
        await emulators?.stop();
      },
    };
  } catch (error) {
    clients.destroy();
    await emulators?.stop();
    throw error;
  }
}
