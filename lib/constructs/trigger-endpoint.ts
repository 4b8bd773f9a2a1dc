// The "I'm back" endpoint: a Lambda function URL the primary calls from its
// start-up hook (see docs/primary-setup.md). The URL has no IAM auth because
// the primary has no AWS credentials; every call must carry an HMAC-SHA256
// over the route and a fresh timestamp with the key generated here (Secrets
// Manager), checked before anything else, and newer than the route's last
// accepted call. An accepted call only asks the probe function to check the
// route now: the trigger holds no SMTP credentials, runs outside the egress
// VPC, cannot start a drain and writes nothing but its own gate items. Its
// reserved concurrency caps what a flood of calls can take from the account.
import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/config/settings.js';
import type { BackupMxConfig } from '../config/backup-mx-config.js';
import { acceptFinding } from '../nag.js';
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

/**
 * The HMAC key the primary's hook signs with. Made here, and kept when the
 * stack is deleted or the secret replaced (removed only when the first
 * create rolls back): the primary holds a copy, and a new deploy that names
 * it in trigger.keySecretName goes on with the same key. Or the named one.
 */
function triggerKey(scope: Construct, keySecretName: string | undefined): secretsmanager.ISecret {
  if (keySecretName) return secretsmanager.Secret.fromSecretNameV2(scope, 'Key', keySecretName);
  const key = new secretsmanager.Secret(scope, 'Key', {
    description: 'backup-mx: HMAC key of the "I\'m back" trigger; copy it to the primary (backup-mx trigger-url). Kept when the stack is deleted (trigger.keySecretName)',
    generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
  });
  acceptFinding(key, 'SMG4', 'A shared HMAC key the operator copies to the primary by hand: rotating it automatically would break the primary\'s hook. Rotate with put-secret-value and update the primary.');
  return key;
}

export class TriggerEndpoint extends Construct {
  readonly fn: BackupMxFunction;
  readonly url: lambda.FunctionUrl;
  readonly key: secretsmanager.ISecret;
  readonly concurrency?: TriggerConcurrency;

  constructor(scope: Construct, id: string, props: TriggerEndpointProps) {
    super(scope, id);
    this.key = triggerKey(this, props.config.trigger.keySecretName);

    this.fn = new BackupMxFunction(this, 'Trigger', {
      handler: 'trigger',
      description: 'backup-mx: "I\'m back" from a primary (HMAC-signed function URL): asks the probe to check it now',
      timeout: TRIGGER_TIMEOUT,
    })
      .setEnvironment({ [ENV.triggerSecretId]: this.key.secretArn, [ENV.routeTableDigest]: props.routeTable.digest })
      .bindTable(props.table, 'trigger')
      .bindProbe(props.probe);
    this.fn.fn.node.addDependency(props.routeTable.resource);
    this.key.grantRead(this.fn.fn);
    // NONE: the primary has no AWS credentials to sign with SigV4; the function checks the HMAC first.
    this.url = this.fn.fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    const reserved = props.config.trigger.reservedConcurrency;
    if (reserved !== 'none') this.concurrency = new TriggerConcurrency(this, 'Concurrency', { trigger: this.fn, reserved });

    new CfnOutput(scope, 'TriggerUrl', { description: '"I\'m back" endpoint: POST <url>/<route>, HMAC-signed (backup-mx trigger-url prints the command)', value: this.url.url });
    new CfnOutput(scope, 'TriggerSecretArn', {
      description: 'HMAC key of the trigger: copy it to the primary. Kept when the stack is deleted: give its name as trigger.keySecretName to a new deploy',
      value: this.key.secretArn,
    });
    new CfnOutput(scope, 'TriggerFunctionName', { description: 'The trigger function (backup-mx doctor checks its reserved concurrency)', value: this.fn.fn.functionName });
  }
}
