// The embedded emulators with the local runner's resource names, so a second
// start on the same data dir finds the same table, bucket, topics and queues:
// what the local runner does across a restart.
import type { AwsClients } from '../../../lambdas/adapters/aws/clients.js';
import { S3MessageStore } from '../../../lambdas/adapters/aws/s3-message-store.js';
import type { Provisioned } from '../../../local/provision.js';
import type { NotificationPublisher } from '../../../local/ses-standin/ports.js';
import type { StandInRoute } from '../../../local/ses-standin/ses-standin.js';
import { snsPublisher } from '../../../local/ses-standin/sns-publisher.js';
import { routePrefix } from '../../../lambdas/config/mail-layout.js';
import { buildLocalAws, runnerNames } from './local-aws-builder.js';

export const ROUTE_DOMAINS: Record<string, string[]> = { main: ['example.com'], vip: ['vip.test'] };

export interface LocalAws {
  clients: AwsClients;
  resources: Provisioned;
  store: S3MessageStore;
  publish: NotificationPublisher;
  routes: StandInRoute[];
  queueUrl(route: string): string;
  stop(): Promise<void>;
}

export async function startLocalAws(dataDir?: string): Promise<LocalAws> {
  const { clients, resources, stop } = await buildLocalAws({ routes: Object.keys(ROUTE_DOMAINS), names: runnerNames(), dataDir });
  const routes = resources.routes.map((route) => ({
    name: route.name,
    domains: ROUTE_DOMAINS[route.name],
    topicArn: route.topicArn,
    objectKeyPrefix: routePrefix(route.name),
  }));
  return {
    clients,
    resources,
    store: new S3MessageStore(clients.s3, resources.bucketName),
    publish: snsPublisher(clients.sns),
    routes,
    queueUrl: (name) => resources.routes.find((route) => route.name === name)!.queue.url,
    stop,
  };
}
