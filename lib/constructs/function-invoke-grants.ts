// Which functions a BackupMxFunction may invoke (the probe, the drain, itself),
// each grant with the variable naming the function it may call.
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { ENV } from '../../lambdas/config/settings.js';
import { acceptFinding, arnInFinding } from '../nag.js';
import type { BackupMxFunction } from './backup-mx-function.js';

/** Lets `target` ask the probe to check one route now (the trigger's only action). */
export function grantProbeInvoke(target: BackupMxFunction, probe: BackupMxFunction): void {
  probe.fn.grantInvoke(target.fn);
  acceptFinding(target, `IAM5[Resource::${arnInFinding(probe.fn)}:*]`, 'CDK grants invoke on the probe function and its versions/aliases; it is one function.');
  target.fn.addEnvironment(ENV.probeFunctionName, probe.fn.functionName);
}

/** Lets `target` start the drain asynchronously. */
export function grantDrainInvoke(target: BackupMxFunction, drain: BackupMxFunction): void {
  drain.fn.grantInvoke(target.fn);
  acceptFinding(target, `IAM5[Resource::${arnInFinding(drain.fn)}:*]`, 'CDK grants invoke on the drain function and its versions/aliases; it is one function.');
  target.fn.addEnvironment(ENV.drainFunctionName, drain.fn.functionName);
}

/**
 * Lets the function invoke itself (a drain out of time starts its successor).
 * A policy of its own: in the role's default policy the function's ARN would
 * make the function depend on itself. Lambda's recursive loop detection stops
 * a chain of direct invokes after 16 (RecursiveInvocationException): a backlog
 * of more than 16 drains (about an hour) needs the chain allowed. The chain
 * ends by itself: a drain starts a successor only when its time ran out.
 */
export function grantSelfInvoke(target: BackupMxFunction): void {
  (target.fn.node.defaultChild as lambda.CfnFunction).recursiveLoop = 'Allow';
  new iam.Policy(target, 'SelfInvoke', {
    roles: [target.fn.role!],
    statements: [new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [target.fn.functionArn] })],
  });
}
