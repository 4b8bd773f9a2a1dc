// Finds the deployed stack: its outputs (alarm topic, table, ...) and, from its
// resources, the drain function and the receipt rule set. The drain's
// environment then gives the engine settings, so the command keeps no copy of
// the configuration.
import {
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type CloudFormationClient,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { awsErrorName } from '../lambdas/adapters/aws/aws-errors.js';
import { NoTargetError } from './errors.js';

export interface StackLookup {
  stackName: string;
  status: string;
  outputs: Record<string, string>;
  drainFunctionName: string;
  ruleSetName?: string;
  hostRuleSetName?: string;
  alarmTopicArn?: string;
  /** The recipient push's function (a stack with a synced route has one), for doctor's concurrency check. */
  recipientPushFunctionName?: string;
}

/** CDK names the drain `Functions/Drain/Function`: its logical id starts with this. */
const DRAIN_LOGICAL_PREFIX = 'FunctionsDrain';
/** CDK names the recipient push `RecipientPush/Push/Function` "RecipientPushFunction<hash>" (a test holds the two together). */
export const PUSH_LOGICAL_PREFIX = 'RecipientPushFunction';

export async function lookupStack(cfn: CloudFormationClient, stackName: string, region: string): Promise<StackLookup> {
  let stack;
  try {
    stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (error) {
    if (awsErrorName(error) === 'ValidationError' && /does not exist/i.test((error as Error).message)) {
      throw noStack(stackName, region);
    }
    throw error;
  }
  if (!stack) throw noStack(stackName, region);
  const outputs: Record<string, string> = {};
  for (const output of stack.Outputs ?? []) {
    if (output.OutputKey && output.OutputValue !== undefined) outputs[output.OutputKey] = output.OutputValue;
  }
  const resources = await listResources(cfn, stackName);
  const drain =
    outputs.DrainFunctionName ??
    resources.find((r) => r.ResourceType === 'AWS::Lambda::Function' && r.LogicalResourceId?.startsWith(DRAIN_LOGICAL_PREFIX))
      ?.PhysicalResourceId;
  if (!drain) {
    throw new NoTargetError(
      `stack ${stackName} in ${region} has no drain function: is it a backup-mx stack, and is its deployment finished (status ${stack.StackStatus})?`,
    );
  }
  const ruleSetName =
    outputs.ReceiptRuleSetName ?? resources.find((r) => r.ResourceType === 'AWS::SES::ReceiptRuleSet')?.PhysicalResourceId;
  const push = resources.find((r) => r.ResourceType === 'AWS::Lambda::Function' && r.LogicalResourceId?.startsWith(PUSH_LOGICAL_PREFIX))?.PhysicalResourceId;
  return {
    stackName,
    status: String(stack.StackStatus ?? 'UNKNOWN'),
    outputs,
    drainFunctionName: drain,
    ...(ruleSetName ? { ruleSetName } : {}),
    ...(outputs.AlarmTopicArn ? { alarmTopicArn: outputs.AlarmTopicArn } : {}),
    ...(outputs.HostRuleSetName ? { hostRuleSetName: outputs.HostRuleSetName } : {}),
    ...(push ? { recipientPushFunctionName: push } : {}),
  };
}

async function listResources(cfn: CloudFormationClient, stackName: string): Promise<StackResourceSummary[]> {
  const all: StackResourceSummary[] = [];
  let next: string | undefined;
  do {
    const page = await cfn.send(new ListStackResourcesCommand({ StackName: stackName, NextToken: next }));
    all.push(...(page.StackResourceSummaries ?? []));
    next = page.NextToken;
  } while (next);
  return all;
}

const noStack = (stackName: string, region: string) =>
  new NoTargetError(
    `no stack named ${stackName} in ${region}: deploy it with \`npx cdk deploy\`, or pass --stack <name> / --region <region> (or --local for the local backup MX)`,
  );
