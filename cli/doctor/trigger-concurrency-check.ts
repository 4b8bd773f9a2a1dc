// The trigger function's reserved concurrency as Lambda has it now: the cap
// on what a flood of calls to its public URL can take from the account. The
// deploy reserves it only where the account has room (lib/constructs/
// trigger-concurrency.ts); this says what to do where it could not.
import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { MIN_UNRESERVED_CONCURRENCY, reserveCommand } from '../../lambdas/adapters/aws/concurrency-reservation.js';
import { DEFAULT_TRIGGER_RESERVED_CONCURRENCY } from '../../lib/config/backup-mx-config.js';
import { ok, warn, type CheckResult } from './check.js';

export const TRIGGER_CONCURRENCY_CHECK = 'trigger concurrency';

/** `wanted`: the configured trigger.reservedConcurrency (the default when unknown). */
export async function checkTriggerConcurrency(lambda: LambdaClient, functionName: string | undefined, wanted = DEFAULT_TRIGGER_RESERVED_CONCURRENCY): Promise<CheckResult> {
  const name = TRIGGER_CONCURRENCY_CHECK;
  if (!functionName) return warn(name, 'the stack has no TriggerFunctionName output', 'deploy this version with `npx cdk deploy`');
  const { ReservedConcurrentExecutions: reserved } = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName }));
  if (reserved === 0) return warn(name, 'reserved 0: the "I\'m back" trigger is switched off (every call is throttled)', 'set trigger.reservedConcurrency to 3 (or "none") and deploy, if the primary\'s hook should work again');
  if (reserved !== undefined) return ok(name, `reserved ${reserved}: a flood of calls to the trigger URL takes no more than ${reserved} of the account's executions`);
  const { AccountLimit } = await lambda.send(new GetAccountSettingsCommand({}));
  const limit = AccountLimit?.ConcurrentExecutions ?? 0;
  const unreserved = AccountLimit?.UnreservedConcurrentExecutions ?? 0;
  return warn(
    name,
    `not reserved (account limit ${limit}, ${unreserved} unreserved; Lambda keeps ${Math.min(MIN_UNRESERVED_CONCURRENCY, limit)} unreserved): ` +
      'a flood of calls to the trigger URL could take the executions the probe and drain need',
    `ask for a higher "Concurrent executions" quota (Service Quotas, AWS Lambda), then run ${reserveCommand(functionName, wanted)} ` +
      '(a deploy with unchanged settings does not reserve again); or set trigger.reservedConcurrency to 0 to switch the trigger off',
  );
}
