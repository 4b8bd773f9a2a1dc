// The trigger function's reserved concurrency, applied at deploy by a custom
// resource only when the account has room for it (lambdas/adapters/aws/
// concurrency-reservation.ts): a plain ReservedConcurrentExecutions fails
// `cdk deploy` in accounts whose concurrency limit is low (new accounts may
// start at 10). What was done is the stack output TriggerConcurrency, and
// `backup-mx doctor` checks it.
import { CfnOutput, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acceptFinding, arnInFinding, LAMBDA_BASIC_EXECUTION } from '../nag.js';
import { BackupMxFunction, functionLogGroup } from './backup-mx-function.js';

export interface TriggerConcurrencyProps {
  trigger: BackupMxFunction;
  /** Executions reserved for the trigger (0: switched off). */
  reserved: number;
}

export class TriggerConcurrency extends Construct {
  readonly reservation: CustomResource;
  readonly function: BackupMxFunction;
  private readonly provider: cr.Provider;

  constructor(scope: Construct, id: string, props: TriggerConcurrencyProps) {
    super(scope, id);
    this.function = new BackupMxFunction(this, 'Reserve', {
      handler: 'reserve-concurrency',
      description: 'backup-mx: reserves concurrency for the trigger function when the account has room',
      timeout: Duration.minutes(1),
    });
    const fn = this.function.fn;
    // GetAccountSettings has no resource-level permissions.
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['lambda:GetAccountSettings'], resources: ['*'] }));
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['lambda:GetFunctionConcurrency', 'lambda:PutFunctionConcurrency', 'lambda:DeleteFunctionConcurrency'],
        resources: [props.trigger.fn.functionArn],
      }),
    );
    acceptFinding(this.function, 'IAM5[Resource::*]', 'lambda:GetAccountSettings supports no resource-level permissions; it only reads the account\'s limits.');
    const provider = new cr.Provider(this, 'Provider', { onEventHandler: fn, logGroup: functionLogGroup(this, 'ProviderLogs') });
    this.provider = provider;
    acceptFinding(provider, `IAM5[Resource::${arnInFinding(fn)}:*]`, 'The CDK custom resource framework may invoke the reservation function (and its versions); nothing else.');
    acceptFinding(provider, `IAM4[${LAMBDA_BASIC_EXECUTION}]`, 'The CDK custom resource framework function only writes its own CloudWatch Logs with this managed policy.');
    this.reservation = new CustomResource(this, 'Reservation', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::TriggerConcurrency',
      properties: { FunctionName: props.trigger.fn.functionName, ReservedConcurrency: String(props.reserved) },
    });
    new CfnOutput(Stack.of(this), 'TriggerConcurrency', {
      description: 'Reserved concurrency of the "I\'m back" trigger function (NOT RESERVED: what to do)',
      value: this.reservation.getAttString('Status'),
    });
  }

  /**
   * Reserves `reserved` executions for another public function the same way
   * (the recipient push), with its own stack output; returns the reservation.
   */
  reserveFor(id: string, target: BackupMxFunction, reserved: number, outputId: string, description: string): CustomResource {
    this.function.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['lambda:GetFunctionConcurrency', 'lambda:PutFunctionConcurrency', 'lambda:DeleteFunctionConcurrency'],
        resources: [target.fn.functionArn],
      }),
    );
    const reservation = new CustomResource(this, id, {
      serviceToken: this.provider.serviceToken,
      resourceType: 'Custom::TriggerConcurrency',
      properties: { FunctionName: target.fn.functionName, ReservedConcurrency: String(reserved) },
    });
    new CfnOutput(Stack.of(this), outputId, { description, value: reservation.getAttString('Status') });
    return reservation;
  }
}
