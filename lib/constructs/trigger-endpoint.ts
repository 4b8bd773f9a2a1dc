// The "I'm back" endpoint: a Lambda function URL the primary calls from its
// start-up hook (see docs/primary-setup.md). The URL has no IAM auth because
// the primary has no AWS credentials; every call must carry an HMAC-SHA256
// over the route and a fresh timestamp with the stack's key (the state
// table's trigger#key item, which `backup-mx trigger-url` creates; or the
// Secrets Manager secret trigger.keySecretName names), checked before
// anything else, and newer than the route's last accepted call. An accepted
// call only asks the probe function to check the route now: the trigger holds
// no SMTP credentials, runs outside the egress VPC, cannot start a drain and
// writes nothing but its own items (trigger#). Its reserved concurrency caps
// what a flood of calls can take from the account.
import { CfnOutput, Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/config/settings.js';
import type { BackupMxConfig } from '../config/backup-mx-config.js';
import { BackupMxFunction } from './backup-mx-function.js';
import { PROBE_TIMEOUT } from './mail-functions.js';
import type { RouteTable } from './route-table.js';
import { TriggerConcurrency } from './trigger-concurrency.js';

/** It waits for the probe's check of one route (a few SMTP steps); the probe's own timeout bounds that. */
export const TRIGGER_TIMEOUT = PROBE_TIMEOUT.plus(Duration.seconds(10));

export interface TriggerEndpointProps {
  config: Pick<BackupMxConfig, 'trigger'>;
  table: dynamodb.ITable;
  /** The probe function, which checks the route when asked (and starts its drain). */
  probe: BackupMxFunction;
  /** The deployed route table this function reads (once a call is authenticated) and checks. */
  routeTable: RouteTable;
}

export class TriggerEndpoint extends Construct {
  readonly fn: BackupMxFunction;
  readonly url: lambda.FunctionUrl;
  /** The named secret (trigger.keySecretName); absent: the key is the state table's trigger#key item. */
  readonly key?: secretsmanager.ISecret;
  readonly concurrency?: TriggerConcurrency;

  constructor(scope: Construct, id: string, props: TriggerEndpointProps) {
    super(scope, id);
    const { keySecretName } = props.config.trigger;
    // No secret of our own ($0.40 a month): the key lives in the (kept) state table, in the
    // trigger's own partition. A secret named in trigger.keySecretName (an earlier version's) goes on working.
    if (keySecretName) this.key = secretsmanager.Secret.fromSecretNameV2(this, 'Key', keySecretName);

    this.fn = new BackupMxFunction(this, 'Trigger', {
      handler: 'trigger',
      description: 'backup-mx: "I\'m back" from a primary (HMAC-signed function URL): asks the probe to check it now',
      timeout: TRIGGER_TIMEOUT,
    })
      .setEnvironment({ ...(this.key ? { [ENV.triggerSecretId]: this.key.secretArn } : {}), [ENV.routeTableDigest]: props.routeTable.digest })
      .bindTable(props.table, 'trigger')
      .bindProbe(props.probe);
    this.fn.fn.node.addDependency(props.routeTable.resource);
    this.key?.grantRead(this.fn.fn);
    // NONE: the primary has no AWS credentials to sign with SigV4; the function checks the HMAC first.
    this.url = this.fn.fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    const reserved = props.config.trigger.reservedConcurrency;
    if (reserved !== 'none') this.concurrency = new TriggerConcurrency(this, 'Concurrency', { trigger: this.fn, reserved });

    new CfnOutput(scope, 'TriggerUrl', { description: '"I\'m back" endpoint: POST <url>/<route>, HMAC-signed (backup-mx trigger-url prints the command)', value: this.url.url });
    if (this.key) {
      new CfnOutput(scope, 'TriggerSecretArn', { description: 'HMAC key of the trigger (trigger.keySecretName): copy it to the primary', value: this.key.secretArn });
    }
    new CfnOutput(scope, 'TriggerFunctionName', { description: 'The trigger function (backup-mx doctor checks its reserved concurrency)', value: this.fn.fn.functionName });
  }
}
