// One local AWS for an integration test file: the embedded emulators (or the
// endpoint in AWS_ENDPOINT_URL, e.g. LocalStack), clients pointed at them, and
// the resources provisioned under names unique to this run.
import { randomUUID } from 'node:crypto';
import { createAwsClients, type AwsClientConfig, type AwsClients } from '../../lambdas/adapters/aws/clients.js';
import { loadSettings, settingsToEnv, type Settings } from '../../lambdas/config/settings.js';
import { startEmulators } from '../../local/emulators.js';
import { provision, type Provisioned } from '../../local/provision.js';

export interface EmulatorEnv {
  clients: AwsClients;
  /** How the clients reach the emulators, for a test that makes clients of its own. */
  clientConfig: AwsClientConfig;
  resources: Provisioned;
  /** A short unique suffix for names made inside a test. */
  unique(): string;
  stop(): Promise<void>;
}

export async function startEmulatorEnv(options: { routes?: string[] } = {}): Promise<EmulatorEnv> {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  const emulators = endpoint ? undefined : await startEmulators();
  const region = emulators?.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const clientConfig: AwsClientConfig = emulators?.clientConfig ?? { region, endpoint };
  const clients = createAwsClients(clientConfig);
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
      clientConfig,
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

/**
 * Settings of one route "main" (example.com, dsn bounces) on the env's first
 * queue, delivering to 127.0.0.1:`primaryPort` without TLS; `extra` adds or
 * overrides engine settings.
 */
export function mainRouteSettings(env: EmulatorEnv, primaryPort: number, extra: Partial<Omit<Settings, 'routes'>> = {}): Settings {
  return loadSettings(
    settingsToEnv({
      routes: [{ name: 'main', domains: ['example.com'], primary: { host: '127.0.0.1', port: primaryPort, tls: 'none' }, queueUrl: env.resources.routes[0]!.queue.url, bouncePolicy: 'dsn' }],
      tableName: env.resources.tableName,
      bucketName: env.resources.bucketName,
      deadLetterQueueUrl: env.resources.deadLetterQueue.url,
      hostname: 'backup-mx.test',
      ...extra,
    }),
  );
}
