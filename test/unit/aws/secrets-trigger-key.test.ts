// The trigger key from Secrets Manager (aws-sdk-client-mock: error paths and caching).
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretsTriggerKey } from '../../../lambdas/adapters/aws/secrets-trigger-key.js';

const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());

describe('SecretsTriggerKey', () => {
  it('reads the key once per five minutes', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'k'.repeat(64) });
    let now = 0;
    const key = new SecretsTriggerKey(new SecretsManagerClient({ region: 'eu-west-1' }), 'arn:key', () => now);
    expect(await key.secret()).toBe('k'.repeat(64));
    now = 299_000;
    await key.secret();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    now = 301_000;
    await key.secret();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('refuses a short key without showing it, and does not cache a failure', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'tiny-val' }).rejectsOnce(new Error('throttled')).resolves({ SecretString: 'z'.repeat(32) });
    const key = new SecretsTriggerKey(new SecretsManagerClient({ region: 'eu-west-1' }), 'arn:key');
    await expect(key.secret()).rejects.toMatchObject({ name: 'TriggerKeyError', message: expect.not.stringContaining('tiny-val') });
    await expect(key.secret()).rejects.toThrow('throttled');
    expect(await key.secret()).toBe('z'.repeat(32));
  });
});
