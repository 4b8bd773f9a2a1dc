import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SendRawEmailCommand, SESClient, SESServiceException } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DrainStartError, LambdaDrainStarter } from '../../../lambdas/adapters/aws/lambda-drain-starter.js';
import { SesBounceMailer } from '../../../lambdas/adapters/aws/ses-bounce-mailer.js';

const ses = mockClient(SESClient);
const lambda = mockClient(LambdaClient);
afterEach(() => {
  ses.reset();
  lambda.reset();
});

describe('SesBounceMailer', () => {
  const mailer = () => new SesBounceMailer(new SESClient({ region: 'eu-west-1' }));
  const dsn = 'From: MAILER-DAEMON@mx.example.com\r\nContent-Type: multipart/report; report-type=delivery-status\r\n\r\n...';

  it('sends the DSN bytes unchanged with the envelope', async () => {
    ses.on(SendRawEmailCommand).resolves({ MessageId: 'x' });
    await mailer().send(dsn, { from: 'MAILER-DAEMON@mx.example.com', to: ['alice@example.org'] });
    const input = ses.commandCalls(SendRawEmailCommand)[0]!.args[0].input;
    expect(Buffer.from(input.RawMessage!.Data!).toString('utf8')).toBe(dsn);
    expect(input.Source).toBe('MAILER-DAEMON@mx.example.com');
    expect(input.Destinations).toEqual(['alice@example.org']);
  });

  it('leaves Source out for an empty return path (SES then uses the From header)', async () => {
    ses.on(SendRawEmailCommand).resolves({ MessageId: 'x' });
    await mailer().send(dsn, { from: '', to: ['alice@example.org'] });
    expect(ses.commandCalls(SendRawEmailCommand)[0]!.args[0].input.Source).toBeUndefined();
  });

  it('refuses a bounce with no recipient and surfaces SES errors', async () => {
    await expect(mailer().send(dsn, { from: 'x@y.z', to: [] })).rejects.toThrow(/recipient/);
    ses.on(SendRawEmailCommand).rejects(
      new SESServiceException({ name: 'MessageRejected', $fault: 'client', $metadata: {}, message: 'Email address is not verified.' }),
    );
    await expect(mailer().send(dsn, { from: 'x@y.z', to: ['a@b.c'] })).rejects.toMatchObject({ name: 'MessageRejected' });
  });
});

describe('LambdaDrainStarter', () => {
  const starter = () => new LambdaDrainStarter(new LambdaClient({ region: 'eu-west-1' }), 'backupmx-drain');

  it('invokes the drain asynchronously with {route, mode}', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    await starter().start('example');
    await starter().start('example', 'sweep');
    const calls = lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.InvocationType)).toEqual(['Event', 'Event']);
    expect(calls.map((c) => c.FunctionName)).toEqual(['backupmx-drain', 'backupmx-drain']);
    expect(calls.map((c) => JSON.parse(Buffer.from(c.Payload as Uint8Array).toString()))).toEqual([
      { route: 'example', mode: 'deliver' },
      { route: 'example', mode: 'sweep' },
    ]);
  });

  it('throws DrainStartError when the invoke is not accepted', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200 });
    const error = await starter().start('example').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DrainStartError);
    expect((error as DrainStartError).name).toBe('DrainStartError');
  });
});
