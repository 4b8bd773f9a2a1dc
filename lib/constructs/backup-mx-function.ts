// One Lambda with the project's defaults (Node 22 on arm64, ESM bundle built
// by local esbuild, one month of logs) and bind* methods that grant access and
// set the matching environment variable together, so a function can never
// hold a grant without knowing the resource, or the reverse.
import { fileURLToPath } from 'node:url';
import { ArnFormat, Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../lambdas/adapters/aws/powertools-metrics.js';
import { ENV } from '../../lambdas/config/settings.js';
import { STACK_TAG } from '../../lambdas/core/sweep/queue-owner.js';
import { acceptFinding, arnInFinding, LAMBDA_BASIC_EXECUTION, LAMBDA_VPC_EXECUTION } from '../nag.js';
import { tableStatements, type TableAccess } from './table-access.js';
import type { Route } from '../../lambdas/core/model.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Namespace the Lambdas publish their metrics in (defined once, next to the code that writes them). */
export { METRICS_NAMESPACE };

export interface BackupMxFunctionProps {
  /** File name in lambdas/handlers/, without extension. */
  handler: 'probe' | 'drain' | 'accept' | 'activate-rule-set' | 'trigger' | 'pause-notices' | 'reserve-concurrency' | 'canary';
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

  /**
   * Grants on the routes' queues. The route table itself travels in the state
   * table (RouteTable), never in the environment: Lambda caps it at 4 KB.
   */
  bindRoutes(routes: { route: Omit<Route, 'queueUrl'>; queue: sqs.IQueue }[], access: 'consume' | 'attributes' | 'none'): this {
    for (const { queue } of routes) {
      if (access === 'consume') {
        queue.grantConsumeMessages(this.fn); // receive, delete, change visibility, attributes
        queue.grantSendMessages(this.fn); // re-enqueue before SQS's 14-day limit
      } else if (access === 'attributes') {
        this.fn.addToRolePolicy(
          new iam.PolicyStatement({ actions: ['sqs:GetQueueAttributes'], resources: [queue.queueArn] }),
        );
      }
    }
    return this;
  }

  /** Access to the state table by the item kinds the function owns (table-access.ts), and its name. */
  bindTable(table: dynamodb.ITable, access: TableAccess): this {
    for (const statement of tableStatements(table, access)) this.fn.addToRolePolicy(statement);
    if (access === 'drain' || access === 'probe') {
      this.accept(`IAM5[Resource::${arnInFinding(table)}/index/*]`, 'Reads of the state table include its own index (the byRoute GSI); no other table.');
    }
    this.fn.addEnvironment(ENV.tableName, table.tableName);
    return this;
  }

  /**
   * 'read' covers GetObject and HeadObject; 'read-delete' adds DeleteObject;
   * 'none' only names the bucket. Never the bucket policy, ACLs or PutObject.
   * Readers may also list the prefix: without s3:ListBucket, S3 answers a
   * missing key with 403 AccessDenied instead of 404, and the engine could not
   * tell a deleted message from a permission problem.
   */
  bindMailObjects(bucket: s3.IBucket, prefix: string, access: 'read' | 'read-delete' | 'none'): this {
    if (access !== 'none') {
      const actions = access === 'read' ? ['s3:GetObject'] : ['s3:GetObject', 's3:DeleteObject'];
      this.fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: [bucket.arnForObjects(`${prefix}*`)] }));
      // No s3:prefix condition: GetObject and HeadObject carry no s3:prefix, so
      // with one S3 would still answer a missing key with 403, not 404.
      this.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
      this.accept(
        `IAM5[Resource::${arnInFinding(bucket)}/${prefix}*]`,
        'Object names are SES message ids, unknown in advance; access is limited to the mail prefix and to object reads (and deletes for the drain).',
      );
    }
    this.fn.addEnvironment(ENV.bucketName, bucket.bucketName);
    return this;
  }

  bindDeadLetterQueue(queue: sqs.IQueue, access: 'send' | 'none'): this {
    if (access === 'send') queue.grantSendMessages(this.fn);
    this.fn.addEnvironment(ENV.deadLetterQueueUrl, queue.queueUrl);
    return this;
  }

  /** Read access to each route's SMTP AUTH secret, by name. */
  bindSecrets(names: string[]): this {
    names.forEach((name, i) =>
      secretsmanager.Secret.fromSecretNameV2(this, `AuthSecret${i}`, name).grantRead(this.fn),
    );
    if (names.length > 0) {
      // A secret encrypted with a customer managed key also needs kms:Decrypt on
      // that key; the key is not known here, so allow it only through Secrets
      // Manager and only for these secrets (the encryption context names the secret).
      const stack = Stack.of(this);
      this.fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: ['*'],
          conditions: {
            StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.${stack.urlSuffix}` },
            StringLike: {
              'kms:EncryptionContext:SecretARN': names.map((name) => `arn:${stack.partition}:secretsmanager:${stack.region}:${stack.account}:secret:${name}-??????`),
            },
          },
        }),
      );
      this.accept('IAM5[Resource::*]', 'kms:Decrypt of a customer key is limited to Secrets Manager (kms:ViaService) decrypting the named AUTH secrets (encryption context); the key ARN is the user\'s.');
    }
    return this;
  }

  /** Lets this function ask the probe to check one route now (the trigger's only action). */
  bindProbe(probe: BackupMxFunction): this {
    probe.fn.grantInvoke(this.fn);
    this.accept(
      `IAM5[Resource::${arnInFinding(probe.fn)}:*]`,
      'CDK grants invoke on the probe function and its versions/aliases; it is one function.',
    );
    this.fn.addEnvironment(ENV.probeFunctionName, probe.fn.functionName);
    return this;
  }

  /** Lets this function start the drain asynchronously. */
  bindDrain(drain: BackupMxFunction): this {
    drain.fn.grantInvoke(this.fn);
    this.accept(
      `IAM5[Resource::${arnInFinding(drain.fn)}:*]`,
      'CDK grants invoke on the drain function and its versions/aliases; it is one function.',
    );
    this.fn.addEnvironment(ENV.drainFunctionName, drain.fn.functionName);
    return this;
  }

  /**
   * Lets the function invoke itself (a drain out of time starts its successor).
   * A policy of its own: in the role's default policy the function's ARN would
   * make the function depend on itself. Lambda's recursive loop detection stops
   * a chain of direct invokes after 16 (RecursiveInvocationException): a backlog
   * of more than 16 drains (about an hour) needs the chain allowed. The chain
   * ends by itself: a drain starts a successor only when its time ran out.
   */
  bindSelfInvoke(): this {
    (this.fn.node.defaultChild as lambda.CfnFunction).recursiveLoop = 'Allow';
    new iam.Policy(this, 'SelfInvoke', {
      roles: [this.fn.role!],
      statements: [new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.fn.functionArn] })],
    });
    return this;
  }

  /**
   * For the hourly watch on queues no route uses: list the account's queues
   * (ListQueues takes no resource but "*"), read the tags of those named like
   * the stack's (CloudFormation names them `<stack name>-<logical id>-<suffix>`,
   * and so it does stack "<stack name>-eu"'s), and read the counts only of
   * queues tagged as this stack's (SQS supports aws:ResourceTag in IAM policies
   * for its queue actions), which no other stack's queue is.
   */
  bindQueueWatch(): this {
    const { stackName } = Stack.of(this);
    this.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:ListQueues'], resources: ['*'] }));
    const namedLikeOurs = `arn:${Aws.PARTITION}:sqs:${Aws.REGION}:${Aws.ACCOUNT_ID}:${stackName}-*`;
    this.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:ListQueueTags'], resources: [namedLikeOurs] }));
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sqs:GetQueueAttributes'],
        resources: [namedLikeOurs],
        conditions: { StringEquals: { [`aws:ResourceTag/${STACK_TAG}`]: stackName } },
      }),
    );
    this.accept(
      'IAM5[Resource::*]',
      'sqs:ListQueues supports no resource but "*" and returns only queue URLs; any kms:Decrypt on "*" is limited by conditions to the named AUTH secrets.',
    );
    this.accept(
      `IAM5[Resource::arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:${stackName}-*]`,
      'Old queues of this stack (retained after a route was renamed or removed) have generated names not known at synth: only their tags, and the counts of those tagged as this stack\'s.',
    );
    return this;
  }

  /**
   * The notices' SES configuration set. 'send' (the drain): SendRawEmail from
   * the verified identities, only through this configuration set (SES checks
   * the configuration-set resource too when a request names one), and only
   * with the notices' From address where SES gives the request one
   * (ses:FromAddress). IfExists, because the SES guide does not say whether a
   * SendRawEmail without Source (ours: a notice's envelope sender is null)
   * carries the key: absent, it cannot block the real notice; present, it can
   * only be that address, so a bug cannot send as anyone else of the user's
   * verified domains. IgnoreCase: SES may normalise the address it reads.
   * 'pause' (the alarm's function): read and switch its sending, nothing else.
   */
  bindNoticeSending(configurationSet: { name: string; arn: string }, access: 'send' | 'pause', fromAddress?: string): this {
    if (access === 'send') {
      if (!fromAddress) throw new Error('bindNoticeSending(…, \'send\') needs the notices\' From address');
      this.fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['ses:SendRawEmail'],
          resources: [`arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:identity/*`, configurationSet.arn],
          conditions: { StringEqualsIgnoreCaseIfExists: { 'ses:FromAddress': fromAddress } },
        }),
      );
      this.accept(
        'IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
        'DSNs are sent from the routes\' own domains, whose SES identities the user verifies outside this stack; only SendRawEmail, only from the notices\' address.',
      );
    } else {
      this.fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['ses:GetConfigurationSet', 'ses:PutConfigurationSetSendingOptions'], resources: [configurationSet.arn] }),
      );
    }
    this.fn.addEnvironment(ENV.dsnConfigurationSet, configurationSet.name);
    return this;
  }

  /**
   * The canary's address and route (accept and drain recognise it; the
   * canary function sends it). The key they check it with is in the table.
   */
  bindCanary(canary: { address: string; intervalMinutes: number }, route?: string): this {
    this.fn.addEnvironment(ENV.canaryAddress, canary.address);
    if (route !== undefined) this.fn.addEnvironment(ENV.canaryRoute, route);
    else this.fn.addEnvironment(ENV.canaryIntervalMinutes, String(canary.intervalMinutes));
    return this;
  }

  /**
   * SendRawEmail for the canary function only: From the canary address
   * (ses:FromAddress; the function always sets Source, so no IfExists) and
   * to the canary address alone (ses:Recipients), so neither a bug nor a
   * borrowed role can send anyone else anything, as anyone else. No
   * configuration set: the canary is no notice.
   */
  bindCanarySending(address: string): this {
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendRawEmail'],
        resources: [`arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:identity/*`],
        conditions: {
          StringEqualsIgnoreCase: { 'ses:FromAddress': address },
          'ForAllValues:StringEqualsIgnoreCase': { 'ses:Recipients': [address] },
        },
      }),
    );
    this.accept(
      'IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
      'The canary is sent from a subdomain of a route domain, whose SES identity the user verifies outside this stack; only SendRawEmail, only from and to the canary address.',
    );
    return this;
  }

  /**
   * Read the current state of these alarms (the pause function's scheduled
   * check), by name: cloudwatch:DescribeAlarms takes alarm ARNs as resources
   * (only composite alarms need "*", and these are metric alarms).
   */
  bindNoticeAlarms(alarmNames: string[]): this {
    const stack = Stack.of(this);
    const arns = alarmNames.map((name) => stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME }));
    this.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: arns }));
    this.fn.addEnvironment(ENV.noticeAlarms, stack.toJsonString(alarmNames));
    return this;
  }
}
