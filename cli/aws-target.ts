// The deployed stack: found by name (--stack, default BackupMx) with the
// standard credential chain and region. The engine settings come from the
// drain function's environment; a flush is a synchronous drain invoke.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetFunctionConfigurationCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { createAwsClients, type AwsClients } from '../lambdas/adapters/aws/clients.js';
import { CloudWatchNoticeAlarms } from '../lambdas/adapters/aws/cloudwatch-notice-alarms.js';
import { composeBackupMx } from '../lambdas/app/composition.js';
import { DynamoPushKey } from '../lambdas/adapters/aws/dynamo-push-key.js';
import { DynamoTriggerKey } from '../lambdas/adapters/aws/dynamo-trigger-key.js';
import { LambdaRuleWriterRequester } from '../lambdas/adapters/aws/lambda-rule-writer-requester.js';
import { SettingsError } from '../lambdas/config/settings.js';
import { loadRuntimeSettings } from '../lambdas/app/runtime-settings.js';
import { readRouteTable, RouteTableMissingError } from '../lambdas/adapters/aws/dynamo-route-table.js';
import { RouteTableDigestError } from '../lambdas/config/route-table.js';
import type { DrainSummary } from '../lambdas/core/drain/drain-summary.js';
import type { CliEnv } from './cli-env.js';
import { CliLog, SilentMetrics } from './cli-log.js';
import { CliError, explainAwsError, UsageError } from './errors.js';
import { lookupStack } from './stack-lookup.js';
import type { Target, TargetOptions } from './target.js';

export const DEFAULT_STACK_NAME = 'BackupMx';

export async function awsTarget(
  options: TargetOptions,
  err: (line: string) => void,
  env: CliEnv,
): Promise<Target> {
  const region = await resolveRegion(options.region ?? env.region);
  const stackName = options.stack ?? DEFAULT_STACK_NAME;
  const clients = createAwsClients({ region, env: env.passOn });
  const cfn = new CloudFormationClient({ region });
  const cloudwatch = new CloudWatchClient({ region });
  try {
    const stack = await lookupStack(cfn, stackName, region);
    const settings = await drainSettings(clients, stack.drainFunctionName);
    const log = new CliLog(err, options.verbose);
    // `notices resume` checks these first; a stack deployed before they were named has none (resume then needs --force).
    const alarmNames = (stack.outputs.NoticeAlarmNames ?? '').split(',').map((name) => name.trim()).filter(Boolean);
    const noticeAlarms = alarmNames.length > 0 ? { noticeAlarms: new CloudWatchNoticeAlarms(cloudwatch, alarmNames) } : {};
    // `recipients push` stores the list and asks the stack's rule writer (a stack with a synced route names it).
    const writer = stack.outputs.RecipientRuleWriterName;
    const recipientRules = writer ? { recipientRules: { ruleWriter: new LambdaRuleWriterRequester(clients.lambda, writer) } } : {};
    const { engine, operator } = composeBackupMx(settings, { clients, log, metrics: new SilentMetrics(), ...noticeAlarms, ...recipientRules });
    return {
      kind: 'aws',
      label: `stack ${stackName} in ${region}`,
      region,
      settings,
      engine,
      operator,
      log,
      account: { ses: clients.ses, sns: clients.sns, lambda: clients.lambda, triggerKeys: new DynamoTriggerKey(clients.doc, settings.tableName), pushKeys: new DynamoPushKey(clients.doc, settings.tableName) },
      stack: {
        stackName,
        drainFunctionName: stack.drainFunctionName,
        ...(stack.ruleSetName ? { ruleSetName: stack.ruleSetName } : {}),
        ...(stack.alarmTopicArn ? { alarmTopicArn: stack.alarmTopicArn } : {}),
        ...(stack.outputs.AlarmChannelTopicArns ? { alarmChannelTopicArns: stack.outputs.AlarmChannelTopicArns.split(',').filter(Boolean) } : {}),
        ...(stack.hostRuleSetName ? { hostRuleSetName: stack.hostRuleSetName } : {}),
        ...(stack.outputs.TriggerFunctionName ? { triggerFunctionName: stack.outputs.TriggerFunctionName } : {}),
        ...(stack.recipientPushFunctionName ? { recipientPushFunctionName: stack.recipientPushFunctionName } : {}),
      },
      ...(stack.outputs.TriggerUrl ? { trigger: { url: stack.outputs.TriggerUrl.replace(/\/+$/, ''), ...(stack.outputs.TriggerSecretArn ? { secretId: stack.outputs.TriggerSecretArn } : {}) } } : {}),
      ...(stack.outputs.RecipientPushUrl ? { recipientPush: { url: stack.outputs.RecipientPushUrl.replace(/\/+$/, '') } } : {}),
      drain: (route) => invokeDrain(clients, stack.drainFunctionName, route),
      close: () => {
        clients.destroy();
        cfn.destroy();
        cloudwatch.destroy();
      },
    };
  } catch (error) {
    clients.destroy();
    cfn.destroy();
    cloudwatch.destroy();
    throw explainAwsError(error);
  }
}

/** --region, then AWS_REGION / AWS_DEFAULT_REGION (given), then the shared config file (as the AWS CLI does). */
async function resolveRegion(direct: string | undefined): Promise<string> {
  if (direct) return direct;
  const probe = new CloudFormationClient({});
  try {
    return await probe.config.region();
  } catch {
    throw new UsageError('no AWS region: pass --region <region>, or set AWS_REGION or a region in your AWS profile');
  } finally {
    probe.destroy();
  }
}

async function drainSettings(clients: AwsClients, functionName: string) {
  const config = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  try {
    // The routes are in the state table (the environment is capped at 4 KB), read as the drain reads them.
    const settings = await loadRuntimeSettings(config.Environment?.Variables ?? {}, (table, digest) => readRouteTable(clients.doc, table, digest));
    return { ...settings, drainFunctionName: functionName };
  } catch (error) {
    if (error instanceof RouteTableMissingError || error instanceof RouteTableDigestError) throw new CliError(error.message);
    if (error instanceof SettingsError) {
      throw new CliError(`the drain function ${functionName} has unexpected settings: ${error.message}`);
    }
    throw error;
  }
}

async function invokeDrain(clients: AwsClients, functionName: string, route: string): Promise<DrainSummary> {
  let result;
  try {
    result = await clients.lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify({ route, mode: 'deliver' })),
      }),
    );
  } catch (error) {
    throw explainAwsError(error);
  }
  const text = result.Payload ? new TextDecoder().decode(result.Payload) : '';
  if (result.FunctionError) {
    let detail = text;
    try {
      const parsed = JSON.parse(text) as { errorType?: string; errorMessage?: string };
      detail = [parsed.errorType, parsed.errorMessage].filter(Boolean).join(': ') || text;
    } catch {
      // not JSON: show it as it came
    }
    throw new CliError(`the drain of route ${route} failed in ${functionName}: ${detail}`);
  }
  try {
    return JSON.parse(text) as DrainSummary;
  } catch {
    throw new CliError(`the drain of route ${route} returned no summary: ${text.slice(0, 200)}`);
  }
}
