// cdk-nag (AwsSolutions) findings we accept, recorded beside the resource
// that causes them, each with its reason. cdk-nag v3 matches the finding id
// exactly, so wildcard findings name the resource the way cdk-nag prints it.
import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export function acceptFinding(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-${id}`, reason });
}

/** `<LogicalId.Arn>` as cdk-nag writes a resource ARN inside a finding id. */
export function arnInFinding(resource: IConstruct): string {
  const element = resource.node.defaultChild as CfnElement;
  return `<${Stack.of(resource).resolve(element.logicalId) as string}.Arn>`;
}

export const LAMBDA_BASIC_EXECUTION =
  'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
export const LAMBDA_VPC_EXECUTION =
  'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole';
