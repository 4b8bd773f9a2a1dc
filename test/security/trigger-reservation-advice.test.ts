// In an account without room (a new account's limit of 10 or 50) the deploy
// leaves the public trigger function unreserved and says so (stack output
// TriggerConcurrency, `backup-mx doctor`). Their advice must be one that
// reserves once the quota is raised: a deploy with the same configuration does
// not (CloudFormation sends a custom resource an Update only when its
// properties change), so both name the `aws lambda put-function-concurrency`
// command, or the reservation would have to run on every deploy. (Found by the
// red-team review of issue 17.)
import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ConcurrencyReservation } from '../../lambdas/adapters/aws/concurrency-reservation.js';
import { checkTriggerConcurrency } from '../../cli/doctor/trigger-concurrency-check.js';
import { buildStack, resources } from '../support/cdk/stack-fixture.js';

const lambda = mockClient(LambdaClient);
afterEach(() => lambda.reset());
const client = () => new LambdaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });

/** The reservation resource's properties as CloudFormation compares them between two deploys. */
const reservationProperties = () => JSON.stringify(Object.values(resources(buildStack().template, 'Custom::TriggerConcurrency')).map((r) => r.Properties));

describe('the advice for an unreserved trigger reserves once followed', () => {
  it('the stack output and doctor name a step that reserves (not "deploy again")', async () => {
    lambda.on(GetFunctionConcurrencyCommand).resolves({});
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });
    const output = (await new ConcurrencyReservation(client()).handle({ RequestType: 'Create', ResourceProperties: { FunctionName: 'Trigger', ReservedConcurrency: '3' } })).Data.Status;
    const doctor = (await checkTriggerConcurrency(client(), 'Trigger')).fix ?? '';
    expect(output).toMatch(/NOT RESERVED/);

    const rerunsOnEveryDeploy = reservationProperties() !== reservationProperties();
    for (const advice of [output, doctor]) {
      // Either the deploy it asks for runs the reservation again, or it names the command that reserves.
      expect(rerunsOnEveryDeploy || /put-function-concurrency/.test(advice), advice).toBe(true);
    }
  });
});
