// One Lambda with the project's defaults (Node 22 on arm64, ESM bundle built
// by local esbuild, one month of logs) and bind* methods that grant access and
// set the matching environment variable together, so a function can never
// hold a grant without knowing the resource, or the reverse.
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../lambdas/adapters/aws/powertools-metrics.js';
import { ENV } from '../../lambdas/config/settings.js';
import type { Route } from '../../lambdas/core/model.js';
import { acceptFinding, LAMBDA_BASIC_EXECUTION, LAMBDA_VPC_EXECUTION } from '../nag.js';
import { grantDrainInvoke, grantProbeInvoke, grantSelfInvoke } from './function-invoke-grants.js';
import { grantAuthSecrets } from './function-secret-grants.js';
import { grantCanarySending, grantNoticeAlarms, grantNoticeSending, setCanary } from './function-sending-grants.js';
import { grantDeadLetterQueue, grantMailObjects, grantQueueWatch, grantRouteQueues, grantTable } from './function-storage-grants.js';
import type { TableAccess } from './table-access.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Namespace the Lambdas publish their metrics in (defined once, next to the code that writes them). */
export { METRICS_NAMESPACE };

export interface BackupMxFunctionProps {
  /** File name in lambdas/handlers/, without extension. */
  handler: 'probe' | 'drain' | 'accept' | 'activate-rule-set' | 'trigger' | 'pause-notices' | 'reserve-concurrency' | 'canary' | 'recipient-sync-deploy' | 'recipient-rule-writer' | 'recipient-push';
  description: string;
  timeout: Duration;
  memorySize?: number;
  /** Private subnets behind the NAT gateway (egress "vpc-nat"). */
  vpc?: { vpc: ec2.IVpc; securityGroup: ec2.ISecurityGroup };
}

/** How long every function's log is kept. */
export const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

/**
 * A function's log group, made by the stack: kept LOG_RETENTION and removed
 * with the stack. Without one, Lambda makes `/aws/lambda/<name>` at the first
 * run, kept for ever and left behind by `cdk destroy` (CDK's custom-resource
 * providers included: pass it as their logGroup).
 */
export function functionLogGroup(scope: Construct, id: string): logs.LogGroup {
  return new logs.LogGroup(scope, id, { retention: LOG_RETENTION, removalPolicy: RemovalPolicy.DESTROY });
}

export class BackupMxFunction extends Construct {
  readonly fn: NodejsFunction;
  /** Its log group: the stack's ERROR-line alarm (error-lines.ts) counts from it. */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BackupMxFunctionProps) {
    super(scope, id);
    const logGroup = functionLogGroup(this, 'Logs');
    this.logGroup = logGroup;
    this.fn = new NodejsFunction(this, 'Function', {
      entry: `${PROJECT_ROOT}lambdas/handlers/${props.handler}.ts`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: `backup-mx-${props.handler}`,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        // A dimension of every metric (two stacks in one account stay apart) and the tag of its queues.
        [ENV.stackName]: Stack.of(this).stackName,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        // The whole SDK is bundled so the code runs with the versions it was tested with.
        externalModules: [],
        // Some dependencies still call require() for Node built-ins.
        banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
      ...(props.vpc && {
        vpc: props.vpc.vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        securityGroups: [props.vpc.securityGroup],
      }),
    });
    this.accept('L1', 'The project pins the Lambda runtime to Node.js 22 (shared decision); it is supported and bundled for it.');
    this.accept(
      `IAM4[${LAMBDA_BASIC_EXECUTION}]`,
      'The AWS managed basic execution policy only allows writing this function\'s CloudWatch Logs.',
    );
    if (props.vpc) {
      this.accept(
        `IAM4[${LAMBDA_VPC_EXECUTION}]`,
        'The AWS managed VPC execution policy only manages the network interfaces Lambda needs inside the egress VPC.',
      );
    }
  }

  private accept(id: string, reason: string): void {
    acceptFinding(this, id, reason);
  }

  /** Sets variables that need no grant (names, numbers) through the settings contract. */
  setEnvironment(env: Record<string, string>): this {
    for (const [name, value] of Object.entries(env)) this.fn.addEnvironment(name, value);
    return this;
  }

  // Each bind* below grants one resource and names it in the environment
  // together; the grants live by concern in the function-*-grants.ts files.

  /** Grants on the routes' queues (function-storage-grants.ts). */
  bindRoutes(routes: { route: Omit<Route, 'queueUrl'>; queue: sqs.IQueue }[], access: 'consume' | 'attributes' | 'none'): this {
    grantRouteQueues(this, routes, access);
    return this;
  }

  /** The state table, by the item kinds the function owns (function-storage-grants.ts). */
  bindTable(table: dynamodb.ITable, access: TableAccess): this {
    grantTable(this, table, access);
    return this;
  }

  /** The mail objects under `prefix` (function-storage-grants.ts). */
  bindMailObjects(bucket: s3.IBucket, prefix: string, access: 'read' | 'read-delete' | 'none'): this {
    grantMailObjects(this, bucket, prefix, access);
    return this;
  }

  /** The dead-letter queue (function-storage-grants.ts). */
  bindDeadLetterQueue(queue: sqs.IQueue, access: 'send' | 'none'): this {
    grantDeadLetterQueue(this, queue, access);
    return this;
  }

  /** The hourly watch on the stack's queues no route uses (function-storage-grants.ts). */
  bindQueueWatch(): this {
    grantQueueWatch(this);
    return this;
  }

  /** Read access to each route's SMTP AUTH secret, by name (function-secret-grants.ts). */
  bindSecrets(names: string[]): this {
    grantAuthSecrets(this, names);
    return this;
  }

  /** Lets this function ask the probe to check one route now (function-invoke-grants.ts). */
  bindProbe(probe: BackupMxFunction): this {
    grantProbeInvoke(this, probe);
    return this;
  }

  /** Lets this function start the drain asynchronously (function-invoke-grants.ts). */
  bindDrain(drain: BackupMxFunction): this {
    grantDrainInvoke(this, drain);
    return this;
  }

  /** Lets the function invoke itself, a drain starting its successor (function-invoke-grants.ts). */
  bindSelfInvoke(): this {
    grantSelfInvoke(this);
    return this;
  }

  /** The notices' SES configuration set: send through it, or pause it (function-sending-grants.ts). */
  bindNoticeSending(configurationSet: { name: string; arn: string }, access: 'send' | 'pause', fromAddress?: string): this {
    grantNoticeSending(this, configurationSet, access, fromAddress);
    return this;
  }

  /** The canary's address and route, no grant (function-sending-grants.ts). */
  bindCanary(canary: { address: string; intervalMinutes: number }, route?: string): this {
    setCanary(this, canary, route);
    return this;
  }

  /** SendRawEmail from and to the canary address only (function-sending-grants.ts). */
  bindCanarySending(address: string): this {
    grantCanarySending(this, address);
    return this;
  }

  /** Reads the state of these alarms by name (function-sending-grants.ts). */
  bindNoticeAlarms(alarmNames: string[]): this {
    grantNoticeAlarms(this, alarmNames);
    return this;
  }
}
