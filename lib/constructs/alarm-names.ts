// How the stack's alarms are named, and who may act for them. Every alarm is
// `<stack name>/<id>`: a stack name holds only letters, digits and "-", so
// no other stack's alarm starts with "BackupMx/" (CloudFormation's generated
// `<stack>-<logical id>-<suffix>` would not tell "BackupMx-" from
// "BackupMx-eu-"). The name also reads well in the alarm's e-mail
// ("ALARM: BackupMx/Problems-corp").
import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

export function stackAlarmName(scope: Construct, id: string): string {
  return `${Stack.of(scope).stackName}/${id}`;
}

/**
 * Conditions that limit CloudWatch (a service principal acting for any
 * account) to this stack's alarms, all named by stackAlarmName(): another
 * stack's alarms never match, whatever its name starts with.
 */
export function alarmSourceConditions(scope: Construct): Record<string, Record<string, string>> {
  const stack = Stack.of(scope);
  return {
    StringEquals: { 'aws:SourceAccount': stack.account },
    ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:${stackAlarmName(stack, '*')}` },
  };
}
