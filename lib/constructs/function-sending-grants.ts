// What SES mail a BackupMxFunction may send: the notices (DSNs, through their
// configuration set, paused by the alarm's function) and the canary, each
// limited by IAM conditions to its own From address.
import { ArnFormat, Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ENV } from '../../lambdas/config/settings.js';
import { acceptFinding } from '../nag.js';
import type { BackupMxFunction } from './backup-mx-function.js';

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
export function grantNoticeSending(
  target: BackupMxFunction,
  configurationSet: { name: string; arn: string },
  access: 'send' | 'pause',
  fromAddress?: string,
): void {
  if (access === 'send') {
    if (!fromAddress) throw new Error('bindNoticeSending(…, \'send\') needs the notices\' From address');
    target.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendRawEmail'],
        resources: [`arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:identity/*`, configurationSet.arn],
        conditions: { StringEqualsIgnoreCaseIfExists: { 'ses:FromAddress': fromAddress } },
      }),
    );
    acceptFinding(
      target,
      'IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
      'DSNs are sent from the routes\' own domains, whose SES identities the user verifies outside this stack; only SendRawEmail, only from the notices\' address.',
    );
  } else {
    target.fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['ses:GetConfigurationSet', 'ses:PutConfigurationSetSendingOptions'], resources: [configurationSet.arn] }),
    );
  }
  target.fn.addEnvironment(ENV.dsnConfigurationSet, configurationSet.name);
}

/**
 * Read the current state of these alarms (the pause function's scheduled
 * check), by name: cloudwatch:DescribeAlarms takes alarm ARNs as resources
 * (only composite alarms need "*", and these are metric alarms).
 */
export function grantNoticeAlarms(target: BackupMxFunction, alarmNames: string[]): void {
  const stack = Stack.of(target);
  const arns = alarmNames.map((name) => stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME }));
  target.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: arns }));
  target.fn.addEnvironment(ENV.noticeAlarms, stack.toJsonString(alarmNames));
}

/**
 * The canary's address and route (accept and drain recognise it; the
 * canary function sends it). The key they check it with is in the table.
 */
export function setCanary(target: BackupMxFunction, canary: { address: string; intervalMinutes: number }, route?: string): void {
  target.fn.addEnvironment(ENV.canaryAddress, canary.address);
  if (route !== undefined) target.fn.addEnvironment(ENV.canaryRoute, route);
  else target.fn.addEnvironment(ENV.canaryIntervalMinutes, String(canary.intervalMinutes));
}

/**
 * SendRawEmail for the canary function only: From the canary address
 * (ses:FromAddress; the function always sets Source, so no IfExists) and
 * to the canary address alone (ses:Recipients), so neither a bug nor a
 * borrowed role can send anyone else anything, as anyone else. No
 * configuration set: the canary is no notice.
 */
export function grantCanarySending(target: BackupMxFunction, address: string): void {
  target.fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['ses:SendRawEmail'],
      resources: [`arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:identity/*`],
      conditions: {
        StringEqualsIgnoreCase: { 'ses:FromAddress': address },
        'ForAllValues:StringEqualsIgnoreCase': { 'ses:Recipients': [address] },
      },
    }),
  );
  acceptFinding(
    target,
    'IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
    'The canary is sent from a subdomain of a route domain, whose SES identity the user verifies outside this stack; only SendRawEmail, only from and to the canary address.',
  );
}
