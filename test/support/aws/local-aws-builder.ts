// The one way tests build local AWS: the local runner's own connection
// (connectLocalAws: the embedded emulators on their own thread, or the endpoint
// in AWS_ENDPOINT_URL, e.g. LocalStack, when the caller allows it), and the
// resources provisioned. The wrappers tests call (emulator-env, the
// runner-named local AWS, the CLI fixture) differ only in the names they ask for.
import { randomUUID } from 'node:crypto';
import type { AwsClientConfig, AwsClients } from '../../../lambdas/adapters/aws/clients.js';
import { parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';
import type { ProvisionOptions, Provisioned } from '../../../local/provision.js';
import { connectLocalAws, type LocalAwsConnection } from '../../../local/runner/local-aws.js';
import { DEFAULT_NAME_PREFIX, resourceNames } from '../../../local/runner/local-settings.js';

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

/**
 * The names the local runner gives its resources (its own resourceNames),
 * the same on every start: a restart on the same data dir finds them. The
 * runner's default prefix unless one is given.
 */
export function runnerNames(namePrefix = DEFAULT_NAME_PREFIX): ResourceNames {
  return (routes) => resourceNames(namePrefix, configOfRoutes(routes));
}

/** A valid configuration with these route names (resourceNames reads the routes). */
function configOfRoutes(routes: string[]) {
  return parseBackupMxConfig({
    region: 'us-east-1',
    canary: false,
    routes: routes.map((name) => ({ name, domains: [`${name}.test`], primary: { host: '127.0.0.1', port: 25 } })),
  });
}

export interface TestAwsOptions {
  /** dynalite keeps its tables here across a stop and a start. */
  dataDir?: string;
  /** Use AWS_ENDPOINT_URL when it is set instead of starting emulators (the LocalStack run). */
  allowEndpointEnv?: boolean;
}

/** The runner's connection to local AWS, nothing provisioned: for a test that only needs the endpoints. */
export async function connectTestAws(options: TestAwsOptions = {}): Promise<LocalAwsConnection> {
  const endpoint = options.allowEndpointEnv ? process.env.AWS_ENDPOINT_URL : undefined;
  // The emulators sign and build ARNs in us-east-1; a real endpoint gets the caller's region.
  const region = endpoint ? (process.env.AWS_REGION ?? 'us-east-1') : 'us-east-1';
  return connectLocalAws({ endpoint, region, env: process.env, ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
}

export interface LocalAwsOptions extends TestAwsOptions {
  routes: string[];
  names: ResourceNames;
}

export interface BuiltLocalAws {
  clients: AwsClients;
  /** How the clients reach AWS, for a test that makes clients of its own. */
  clientConfig: AwsClientConfig;
  region: string;
  /** Where each service answers (the emulators' own ports, or AWS_ENDPOINT_URL for all). */
  endpoints: LocalAwsConnection['endpoints'];
  resources: Provisioned;
  /** A short unique suffix for names made inside a test. */
  unique(): string;
  stop(): Promise<void>;
}

export async function buildLocalAws(options: LocalAwsOptions): Promise<BuiltLocalAws> {
  const aws = await connectTestAws(options);
  const unique = () => randomUUID().slice(0, 8);
  const stop = () => aws.close();
  try {
    const resources = await aws.provision(options.names(options.routes, unique()));
    return { clients: aws.clients, clientConfig: aws.clientConfig, region: aws.clients.region, endpoints: aws.endpoints, resources, unique, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
