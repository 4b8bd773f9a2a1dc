// Reserves Lambda concurrency for the public trigger function when the account
// has room, and says so when it has not, instead of failing the deploy. A
// reservation caps the function: a flood of calls to its URL then uses at most
// that many executions, never the account's pool the probe and drain need.
// Lambda refuses any reservation that would leave the account fewer unreserved
// executions than its minimum: 100, or the whole limit in accounts whose limit
// is lower (new accounts may start at 10 or 50). A plain
// ReservedConcurrentExecutions would fail `cdk deploy` there.
import {
  DeleteFunctionConcurrencyCommand,
  GetAccountSettingsCommand,
  GetFunctionConcurrencyCommand,
  PutFunctionConcurrencyCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { isAwsError } from './aws-errors.js';

/** Lambda keeps at least this many executions unreserved (or the whole limit, when lower). */
export const MIN_UNRESERVED_CONCURRENCY = 100;

export interface ReservationEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  PhysicalResourceId?: string;
  ResourceProperties: { FunctionName: string; ReservedConcurrency: string };
}

export interface ReservationResult {
  PhysicalResourceId: string;
  /** Status: one line for the stack output and `backup-mx doctor`; Reserved: the number, or "none". */
  Data: { Status: string; Reserved: string };
}

/**
 * The command that reserves once the quota allows it. A redeploy with the same
 * settings would not: CloudFormation sends a custom resource an Update only
 * when its properties change.
 */
export function reserveCommand(functionName: string, reserved: number): string {
  return `\`aws lambda put-function-concurrency --function-name ${functionName} --reserved-concurrent-executions ${reserved}\``;
}

/** What the account leaves for one more reservation of `functionName` (its current one counts as free). */
export function reservationRoom(limit: number, unreserved: number, current: number): number {
  return unreserved + current - Math.min(MIN_UNRESERVED_CONCURRENCY, limit);
}

export class ConcurrencyReservation {
  constructor(private readonly lambda: LambdaClient) {}

  async handle(event: ReservationEvent): Promise<ReservationResult> {
    const functionName = event.ResourceProperties.FunctionName;
    const physicalId = `reserved-concurrency-${functionName}`;
    if (event.RequestType === 'Delete') {
      await this.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: functionName })).catch((error: unknown) => {
        if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
      });
      return { PhysicalResourceId: event.PhysicalResourceId ?? physicalId, Data: { Status: 'removed', Reserved: 'none' } };
    }
    const wanted = Number(event.ResourceProperties.ReservedConcurrency);
    if (!Number.isInteger(wanted) || wanted < 0) throw new Error(`ReservedConcurrency: expected a whole number, got ${event.ResourceProperties.ReservedConcurrency}`);
    const result = (status: string, reserved: number | undefined) => ({ PhysicalResourceId: physicalId, Data: { Status: status, Reserved: reserved === undefined ? 'none' : String(reserved) } });
    // Zero takes nothing from the pool: always allowed (the trigger is then off).
    if (wanted === 0) {
      await this.put(functionName, 0);
      return result('reserved 0: the trigger is switched off (every call is throttled)', 0);
    }
    const current = (await this.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName }))).ReservedConcurrentExecutions;
    const { AccountLimit } = await this.lambda.send(new GetAccountSettingsCommand({}));
    const limit = AccountLimit?.ConcurrentExecutions ?? 0;
    const unreserved = AccountLimit?.UnreservedConcurrentExecutions ?? 0;
    const notReserved = (why: string) =>
      result(
        `NOT RESERVED: ${why}; a flood of calls to the trigger URL could take the executions the probe and drain need. ` +
          `Ask for a higher "Concurrent executions" quota (Service Quotas, AWS Lambda), then reserve with ${reserveCommand(functionName, wanted)} ` +
          '(a deploy with the same settings does not run this again); or set trigger.reservedConcurrency to 0 to switch the trigger off' +
          (current !== undefined ? ` (the reservation of ${current} stays)` : ''),
        current,
      );
    if (wanted > reservationRoom(limit, unreserved, current ?? 0)) {
      return notReserved(`the account's concurrency limit is ${limit} with ${unreserved} unreserved, and Lambda keeps ${Math.min(MIN_UNRESERVED_CONCURRENCY, limit)} unreserved, so ${wanted} cannot be reserved`);
    }
    try {
      await this.put(functionName, wanted);
    } catch (error) {
      // Another function took the room between the two calls: report, never fail the deploy.
      if (isAwsError(error, 'InvalidParameterValueException')) return notReserved(`Lambda refused it: ${(error as Error).message}`);
      throw error;
    }
    return result(`reserved ${wanted}`, wanted);
  }

  private async put(functionName: string, reserved: number): Promise<void> {
    await this.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: functionName, ReservedConcurrentExecutions: reserved }));
  }
}
