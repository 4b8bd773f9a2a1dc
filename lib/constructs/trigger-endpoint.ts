// The "I'm back" endpoint: a Lambda function URL the primary calls from its
// start-up hook (see docs/primary-setup.md). The URL has no IAM auth because
// the primary has no AWS credentials; every call must carry an HMAC-SHA256
// over the route and a fresh timestamp with the key generated here (Secrets
// Manager), checked before anything else, and is rate-limited per route in
// the state table. It probes the primary itself before starting a drain.
import { CfnOutput, Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV, settingsToEnv } from '../../lambdas/config/settings.js';
import type { BackupMxConfig } from '../config/backup-mx-config.js';
import { acceptFinding } from '../nag.js';
import { BackupMxFunction } from './backup-mx-function.js';
import type { EgressVpc } from './egress-vpc.js';
import { MAIL_PREFIX } from './mail-bucket.js';
import type { RouteChannel } from './route-queues.js';
import { ROUTE_TABLE_DIGEST_VARIABLE, type RouteTable } from './route-table.js';

export interface TriggerEndpointProps {
  config: BackupMxConfig;
  bucket: s3.IBucket;
  table: dynamodb.ITable;
  channels: RouteChannel[];
  deadLetterQueue: sqs.IQueue;
  drain: BackupMxFunction;
  /** The deployed route table this function reads at cold start (as the engine functions do). */
  routeTable: RouteTable;
  egress?: EgressVpc;
}

export class TriggerEndpoint extends Construct {
  readonly fn: BackupMxFunction;
  readonly url: lambda.FunctionUrl;
  readonly key: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: TriggerEndpointProps) {
    super(scope, id);
    const { config } = props;
    this.key = new secretsmanager.Secret(this, 'Key', {
      description: 'backup-mx: HMAC key of the "I\'m back" trigger; copy it to the primary (backup-mx trigger-url)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    acceptFinding(this.key, 'SMG4', 'A shared HMAC key the operator copies to the primary by hand: rotating it automatically would break the primary\'s hook. Rotate with put-secret-value and update the primary.');

    const routes = props.channels.map(({ route, queue }) => ({
      route: { name: route.name, domains: route.domains, primary: route.primary, bouncePolicy: route.bouncePolicy },
      queue,
    }));
    this.fn = new BackupMxFunction(this, 'Trigger', {
      handler: 'trigger',
      description: 'backup-mx: "I\'m back" from a primary (HMAC-signed function URL): checks it and starts its drain',
      // A probe of a slow primary: four SMTP steps of up to probeTimeoutMs each, plus a VPC cold start.
      timeout: Duration.seconds(60),
      vpc: props.egress && { vpc: props.egress.vpc, securityGroup: props.egress.securityGroup },
    })
      .setEnvironment(settingsToEnv({ hostname: config.hostname, probeIntervalSeconds: config.probeIntervalSeconds }))
      .setEnvironment({ [ENV.triggerSecretId]: this.key.secretArn })
      .bindRoutes(routes, 'none')
      .bindTable(props.table, 'route-state')
      .bindMailObjects(props.bucket, MAIL_PREFIX, 'none')
      .bindDeadLetterQueue(props.deadLetterQueue, 'none')
      .bindSecrets(props.channels.flatMap(({ route }) => (route.primary.authSecretName ? [route.primary.authSecretName] : [])))
      .bindDrain(props.drain)
      .setEnvironment({ [ROUTE_TABLE_DIGEST_VARIABLE]: props.routeTable.digest });
    this.fn.fn.node.addDependency(props.routeTable.resource);
    this.key.grantRead(this.fn.fn);
    // NONE: the primary has no AWS credentials to sign with SigV4; the function checks the HMAC first.
    this.url = this.fn.fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });

    new CfnOutput(scope, 'TriggerUrl', { description: '"I\'m back" endpoint: POST <url>/<route>, HMAC-signed (backup-mx trigger-url prints the command)', value: this.url.url });
    new CfnOutput(scope, 'TriggerSecretArn', { description: 'HMAC key of the trigger: copy it to the primary', value: this.key.secretArn });
  }
}
