// The reserved concurrency of a public function (the "I'm back" trigger, the
// recipient push) as Lambda has it now: the cap on what a flood of calls to
// its URL can take from the account. The deploy reserves it only where the
// account has room (lib/constructs/trigger-concurrency.ts); this says what to
// do where it could not. Both take trigger.reservedConcurrency.
import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { MIN_UNRESERVED_CONCURRENCY, reserveCommand } from '../../lambdas/adapters/aws/concurrency-reservation.js';
import { DEFAULT_TRIGGER_RESERVED_CONCURRENCY } from '../../lib/config/backup-mx-config.js';
import { ok, warn, type CheckResult } from './check.js';

export const TRIGGER_CONCURRENCY_CHECK = 'trigger concurrency';
export const PUSH_CONCURRENCY_CHECK = 'recipient push concurrency';

/** What differs between the two public functions' findings. */
interface PublicFunction {
  check: string;
  url: string;
  /** How the stack names the function (what is missing without it). */
  output: string;
  /** The finding and its fix when reserved 0. */
  off: string;
  on: string;
}

const TRIGGER: PublicFunction = {
  check: TRIGGER_CONCURRENCY_CHECK,
  url: 'the trigger URL',
  output: 'the stack has no TriggerFunctionName output',
  off: 'reserved 0: the "I\'m back" trigger is switched off (every call is throttled)',
  on: 'set trigger.reservedConcurrency to 3 (or "none") and deploy, if the primary\'s hook should work again',
};

const PUSH: PublicFunction = {
  check: PUSH_CONCURRENCY_CHECK,
  url: 'the recipient push URL',
  output: 'a route has recipientSync but the stack has no recipient push function',
  off:
    'reserved 0: the recipient push is switched off (every push is throttled, the primary\'s list is not taken): ' +
    'trigger.reservedConcurrency 0 switches off the trigger and the recipient push together',
  on: 'set trigger.reservedConcurrency to 3 (or "none") and deploy, if the primary should push its list again (drop recipientSync if it should not)',
};

/** `wanted`: the configured trigger.reservedConcurrency (the default when unknown). */
export function checkTriggerConcurrency(lambda: LambdaClient, functionName: string | undefined, wanted = DEFAULT_TRIGGER_RESERVED_CONCURRENCY): Promise<CheckResult> {
  return checkReserved(TRIGGER, lambda, functionName, wanted);
}

/** The recipient push's function: only asked when a route syncs. */
export function checkPushConcurrency(lambda: LambdaClient, functionName: string | undefined, wanted = DEFAULT_TRIGGER_RESERVED_CONCURRENCY): Promise<CheckResult> {
  return checkReserved(PUSH, lambda, functionName, wanted);
}

async function checkReserved(what: PublicFunction, lambda: LambdaClient, functionName: string | undefined, wanted: number): Promise<CheckResult> {
  const name = what.check;
  if (!functionName) return warn(name, what.output, 'deploy this version with `npx cdk deploy`');
  const { ReservedConcurrentExecutions: reserved } = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName }));
  if (reserved === 0) return warn(name, what.off, what.on);
  if (reserved !== undefined) return ok(name, `reserved ${reserved}: a flood of calls to ${what.url} takes no more than ${reserved} of the account's executions`);
  const { AccountLimit } = await lambda.send(new GetAccountSettingsCommand({}));
  const limit = AccountLimit?.ConcurrentExecutions ?? 0;
  const unreserved = AccountLimit?.UnreservedConcurrentExecutions ?? 0;
  return warn(
    name,
    `not reserved (account limit ${limit}, ${unreserved} unreserved; Lambda keeps ${Math.min(MIN_UNRESERVED_CONCURRENCY, limit)} unreserved): ` +
      `a flood of calls to ${what.url} could take the executions the probe and drain need`,
    `ask for a higher "Concurrent executions" quota (Service Quotas, AWS Lambda), then run ${reserveCommand(functionName, wanted)} ` +
      '(a deploy with unchanged settings does not reserve again); or set trigger.reservedConcurrency to 0 to switch the trigger off' +
      (what === PUSH ? ' (and the recipient push with it)' : ''),
  );
}
