// Services without an emulator (SES, Lambda, Secrets Manager) must never reach
// real AWS from a local run: their clients point at a closed loopback port.
import { SendRawEmailCommand } from '@aws-sdk/client-ses';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients, type AwsClients } from '../../../lambdas/adapters/aws/clients.js';
import { startEmulators, type Emulators } from '../../../local/emulators.js';

describe('emulator client config', () => {
  let emulators: Emulators;
  let clients: AwsClients;
  beforeAll(async () => {
    emulators = await startEmulators();
    clients = createAwsClients(emulators.clientConfig);
  });
  afterAll(async () => {
    clients?.destroy();
    await emulators?.stop();
  });

  it('points SES, Lambda and Secrets Manager at 127.0.0.1, where a call fails at once', async () => {
    for (const client of [clients.ses, clients.lambda, clients.secrets]) {
      const endpoint = await client.config.endpoint!();
      expect(`${endpoint.hostname}:${endpoint.port}`).toBe('127.0.0.1:9');
    }
    const started = Date.now();
    const send = clients.ses.send(
      new SendRawEmailCommand({ RawMessage: { Data: Buffer.from('Subject: x\r\n\r\nx\r\n') }, Destinations: ['a@example.com'] }),
    );
    await expect(send).rejects.toThrow(/ECONNREFUSED|connect/);
    await expect(clients.secrets.send(new GetSecretValueCommand({ SecretId: 'x' }))).rejects.toThrow(/ECONNREFUSED|connect/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
