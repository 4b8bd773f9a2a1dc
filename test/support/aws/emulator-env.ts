// One local AWS for an integration test file: the embedded emulators (or the
// endpoint in AWS_ENDPOINT_URL, e.g. LocalStack), clients pointed at them, and
// the resources provisioned under names unique to this run.
import type { AwsClientConfig, AwsClients } from '../../../lambdas/adapters/aws/clients.js';
import { loadSettings, settingsToEnv, type Settings } from '../../../lambdas/config/settings.js';
import type { Provisioned } from '../../../local/provision.js';
import { buildLocalAws, uniqueNames } from './local-aws-builder.js';

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
  const { clients, clientConfig, resources, unique, stop } = await buildLocalAws({
    routes: options.routes ?? ['main'],
    names: uniqueNames('backupmx-test', { queueNamed: (route, run) => `backupmx-test-${route}-${run}` }),
    allowEndpointEnv: true,
  });
  return { clients, clientConfig, resources, unique, stop };
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
