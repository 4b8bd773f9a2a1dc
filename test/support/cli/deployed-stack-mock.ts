// The deployed stack as CloudFormation and Lambda describe it, mocked with
// aws-sdk-client-mock for the CLI's tests (the data plane, where a test needs
// one, is the emulators behind one endpoint: test/support/aws/one-endpoint.ts).
import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { settingsToEnv } from '../../../lambdas/config/settings.js';

/** What settingsToEnv takes: the drain function's environment. */
export type DeployedSettings = Parameters<typeof settingsToEnv>[0];

export const cfn = mockClient(CloudFormationClient);
export const lambda = mockClient(LambdaClient);
export const env = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
export const DRAIN = 'BackupMx-FunctionsDrainFunctionA1B2C3D4-xyz';
export const RECIPIENT_PUSH = 'BackupMx-RecipientPushFunction5E6F7A8B-xyz';

export const DEFAULT_SETTINGS: DeployedSettings = {
  routes: [
    {
      name: 'main',
      domains: ['example.com'],
      primary: { host: 'mail.example.com', port: 587, tls: 'required' },
      queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/BackupMx-main',
      bouncePolicy: 'dsn',
      dsnPerHour: 100,
      anyRecipient: true,
    },
  ],
  tableName: 'BackupMx-State',
  bucketName: 'backupmx-mail',
  deadLetterQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/BackupMx-dlq',
  hostname: 'backup-mx.example.com',
  dsnConfigurationSet: 'BackupMx-NoticesConfigurationSet-AbC',
  canaryAddress: 'canary@canary.example.com',
  canaryRoute: 'main',
};

/** `settings`: what the drain function's environment holds (by default a stack in eu-west-1 with one route, main). */
export function mockDeployedStack(settings: DeployedSettings = DEFAULT_SETTINGS): void {
  cfn.on(DescribeStacksCommand, { StackName: 'BackupMx' }).resolves({
    Stacks: [
      {
        StackName: 'BackupMx',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(),
        Outputs: [
          { OutputKey: 'AlarmTopicArn', OutputValue: 'arn:aws:sns:eu-west-1:123456789012:BackupMx-Alarms' },
          { OutputKey: 'TableName', OutputValue: 'BackupMx-State' },
          { OutputKey: 'TriggerFunctionName', OutputValue: 'BackupMx-Trigger' },
        ],
      },
    ],
  });
  cfn.on(ListStackResourcesCommand).resolvesOnce({
    StackResourceSummaries: [
      { LogicalResourceId: 'FunctionsProbeFunctionB2C3D4E5', PhysicalResourceId: 'BackupMx-Probe', ResourceType: 'AWS::Lambda::Function', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
    ],
    NextToken: 'page-2',
  }).resolves({
    StackResourceSummaries: [
      { LogicalResourceId: 'FunctionsDrainFunctionA1B2C3D4', PhysicalResourceId: DRAIN, ResourceType: 'AWS::Lambda::Function', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
      { LogicalResourceId: 'InboundRuleSetC0FFEE00', PhysicalResourceId: 'backup-mx', ResourceType: 'AWS::SES::ReceiptRuleSet', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
      // A stack with a synced route has the recipient push function (doctor finds it by its logical id).
      { LogicalResourceId: 'RecipientPushFunction5E6F7A8B', PhysicalResourceId: RECIPIENT_PUSH, ResourceType: 'AWS::Lambda::Function', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
    ],
  });
  lambda.on(GetFunctionConfigurationCommand, { FunctionName: DRAIN }).resolves({
    Environment: {
      Variables: {
        ...settingsToEnv(settings),
        POWERTOOLS_SERVICE_NAME: 'backup-mx-drain',
      },
    },
  });
}
