// The trigger asks the probe function to check one route with a synchronous
// invoke and trusts nothing but a well-formed outcome for that route.
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaProbeRequester, ProbeRequestError } from '../../../lambdas/adapters/aws/lambda-probe-requester.js';

const lambda = mockClient(LambdaClient);
afterEach(() => lambda.reset());
const requester = () => new LambdaProbeRequester(new LambdaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }), 'BackupMx-Probe');
const payload = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)) as never;

describe('LambdaProbeRequester', () => {
  it('invokes the probe synchronously with { route, reason: "trigger" } and returns its outcome', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ route: 'main', status: 'up', held: false, started: 'deliver' }) });
    expect(await requester().probeNow('main')).toEqual({ route: 'main', status: 'up', held: false, started: 'deliver' });
    const input = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ FunctionName: 'BackupMx-Probe', InvocationType: 'RequestResponse' });
    expect(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array))).toEqual({ route: 'main', reason: 'trigger' });
  });

  it.each([
    ['a failed probe', { StatusCode: 200, FunctionError: 'Unhandled', Payload: payload({ errorMessage: 'boom' }) }, /probe function failed \(Unhandled\)/],
    ['an answer for another route', { StatusCode: 200, Payload: payload({ route: 'other', status: 'up', held: false }) }, /unexpected answer/],
    ['an answer that is not an outcome', { StatusCode: 200, Payload: payload('null') }, /unexpected answer/],
    ['a status it does not know', { StatusCode: 200, Payload: payload({ route: 'main', status: 'great', held: false }) }, /unexpected answer/],
  ])('refuses %s', async (_what, answer, why) => {
    lambda.on(InvokeCommand).resolves(answer);
    const error = await requester().probeNow('main').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProbeRequestError);
    expect((error as Error).message).toMatch(why);
  });
});
