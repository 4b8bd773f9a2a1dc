// The trigger's reserved concurrency is applied only where the account has
// room: Lambda keeps min(100, limit) executions unreserved and refuses a
// reservation that would leave fewer ("decreases account's
// UnreservedConcurrentExecution below its minimum value of [10]"), and new
// accounts may start with a limit of 10 or 50. A plain
// ReservedConcurrentExecutions would fail `cdk deploy` there; this reports.
import {
  DeleteFunctionConcurrencyCommand,
  GetAccountSettingsCommand,
  GetFunctionConcurrencyCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ConcurrencyReservation, MIN_UNRESERVED_CONCURRENCY, reservationRoom, type ReservationEvent } from '../../../lambdas/adapters/aws/concurrency-reservation.js';

const lambda = mockClient(LambdaClient);
afterEach(() => lambda.reset());
const reservation = () => new ConcurrencyReservation(new LambdaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }));
const event = (RequestType: ReservationEvent['RequestType'], reserved = '3'): ReservationEvent => ({ RequestType, PhysicalResourceId: 'reserved-concurrency-Trigger', ResourceProperties: { FunctionName: 'Trigger', ReservedConcurrency: reserved } });
const account = (limit: number, unreserved = limit) => lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: limit, UnreservedConcurrentExecutions: unreserved } });
const puts = () => lambda.commandCalls(PutFunctionConcurrencyCommand).map((c) => c.args[0].input.ReservedConcurrentExecutions);

describe('trigger concurrency reservation', () => {
  it('Lambda keeps 100 unreserved, or the whole limit when it is lower', () => {
    expect(MIN_UNRESERVED_CONCURRENCY).toBe(100);
    expect(reservationRoom(1_000, 1_000, 0)).toBe(900);
    expect(reservationRoom(1_000, 103, 0)).toBe(3);
    expect(reservationRoom(10, 10, 0)).toBe(0); // a new account: nothing can be reserved
    expect(reservationRoom(50, 50, 0)).toBe(0);
    expect(reservationRoom(1_000, 98, 3)).toBe(1); // our own reservation counts as room
  });

  it('reserves in an account with room and says so', async () => {
    lambda.on(GetFunctionConcurrencyCommand).resolves({});
    account(1_000);
    expect(await reservation().handle(event('Create'))).toEqual({ PhysicalResourceId: 'reserved-concurrency-Trigger', Data: { Status: 'reserved 3', Reserved: '3' } });
    expect(puts()).toEqual([3]);
  });

  it('in a new account (limit 10) reserves nothing, does not fail the deploy, and says what to do', async () => {
    lambda.on(GetFunctionConcurrencyCommand).resolves({});
    account(10);
    const result = await reservation().handle(event('Create'));
    expect(puts()).toEqual([]);
    expect(result.Data.Reserved).toBe('none');
    expect(result.Data.Status).toMatch(/^NOT RESERVED: the account's concurrency limit is 10 with 10 unreserved, and Lambda keeps 10 unreserved/);
    expect(result.Data.Status).toMatch(/Service Quotas.*aws lambda put-function-concurrency --function-name \S+ --reserved-concurrent-executions 3.*trigger\.reservedConcurrency to 0/);
  });

  it('when Lambda refuses anyway (another function took the room meanwhile) it reports instead of failing', async () => {
    lambda.on(GetFunctionConcurrencyCommand).resolves({});
    account(1_000);
    lambda.on(PutFunctionConcurrencyCommand).rejects(Object.assign(new Error("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100]."), { name: 'InvalidParameterValueException' }));
    const result = await reservation().handle(event('Update'));
    expect(result.Data).toMatchObject({ Reserved: 'none', Status: expect.stringMatching(/^NOT RESERVED: Lambda refused it: .*minimum value of \[100\]/) });
  });

  it('other errors fail the deploy (a missing permission must be seen)', async () => {
    lambda.on(GetFunctionConcurrencyCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    await expect(reservation().handle(event('Create'))).rejects.toThrow(/not authorized/);
  });

  it('0 switches the trigger off in any account (it takes nothing from the pool)', async () => {
    const result = await reservation().handle(event('Update', '0'));
    expect(puts()).toEqual([0]);
    expect(lambda.commandCalls(GetAccountSettingsCommand)).toHaveLength(0);
    expect(result.Data).toEqual({ Status: 'reserved 0: the trigger is switched off (every call is throttled)', Reserved: '0' });
  });

  it('removing the resource removes the reservation (a function already gone is fine)', async () => {
    lambda.on(DeleteFunctionConcurrencyCommand).rejects(Object.assign(new Error('gone'), { name: 'ResourceNotFoundException' }));
    expect((await reservation().handle(event('Delete'))).Data.Reserved).toBe('none');
    expect(lambda.commandCalls(DeleteFunctionConcurrencyCommand)).toHaveLength(1);
  });
});
