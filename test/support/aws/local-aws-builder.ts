// The one way tests build local AWS: the embedded emulators (or the endpoint in
// AWS_ENDPOINT_URL, e.g. LocalStack, when the caller allows it), clients pointed
// at them, and the resources provisioned. The wrappers tests call (emulator-env,
// the runner-named local AWS, the CLI fixture) differ only in the names they ask for.
import { randomUUID } from 'node:crypto';
import { createAwsClients, type AwsClientConfig, type AwsClients } from '../../../lambdas/adapters/aws/clients.js';
import { startEmulators, type Emulators } from '../../../local/emulators.js';
import { provision, type ProvisionOptions, type Provisioned } from '../../../local/provision.js';

/** What to provision, given the routes and a short suffix unique to this run. */
export type ResourceNames = (routes: string[], run: string) => ProvisionOptions;

/** Names unique to one run, so test files sharing an endpoint never meet: `<stem>-<run>`, `<stem>-dlq-<run>`. */
export function uniqueNames(stem: string, options: { queueNamed?: (route: string, run: string) => string } = {}): ResourceNames {
  return (routes, run) => ({
    bucketName: `${stem}-${run}`,
    tableName: `${stem}-${run}`,
    deadLetterQueueName: `${stem}-dlq-${run}`,
    routes: routes.map((name) => (options.queueNamed ? { name, queueName: options.queueNamed(name, run) } : { name })),
    namePrefix: `${stem}-${run}-`,
  });
}

/** The names the local runner uses, the same on every start: a restart on the same data dir finds them. */
export const runnerNames: ResourceNames = (routes) => ({
  bucketName: 'backupmx-mail',
  tableName: 'backupmx-state',
  deadLetterQueueName: 'backupmx-dlq',
  routes: routes.map((name) => ({ name })),
});

export interface LocalAwsOptions {
  routes: string[];
  names: ResourceNames;
  /** dynalite keeps its tables here across a stop and a start. */
  dataDir?: string;
  /** Use AWS_ENDPOINT_URL when it is set instead of starting emulators (the LocalStack run). */
  allowEndpointEnv?: boolean;
}

export interface BuiltLocalAws {
  clients: AwsClients;
  /** How the clients reach AWS, for a test that makes clients of its own. */
  clientConfig: AwsClientConfig;
  region: string;
  /** The embedded emulators, absent when AWS_ENDPOINT_URL was used. */
  emulators?: Emulators;
  resources: Provisioned;
  /** A short unique suffix for names made inside a test. */
  unique(): string;
  stop(): Promise<void>;
}

export async function buildLocalAws(options: LocalAwsOptions): Promise<BuiltLocalAws> {
  const endpoint = options.allowEndpointEnv ? process.env.AWS_ENDPOINT_URL : undefined;
  const emulators = endpoint ? undefined : await startEmulators({ dataDir: options.dataDir });
  const region = emulators?.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const clientConfig: AwsClientConfig = emulators?.clientConfig ?? { region, endpoint };
  const clients = createAwsClients(clientConfig);
  const unique = () => randomUUID().slice(0, 8);
  const stop = async () => {
    clients.destroy();
    await emulators?.stop();
  };
  try {
    const resources = await provision(clients, options.names(options.routes, unique()));
    return { clients, clientConfig, region, ...(emulators ? { emulators } : {}), resources, unique, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
