import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { credentialDigest } from '../../../lambdas/adapters/smtp/credential-digest.js';
import { SECRET_CACHE_SECONDS, SecretsSmtpAuth, SmtpAuthSecretError } from '../../../lambdas/adapters/aws/secrets-smtp-auth.js';

const secrets = mockClient(SecretsManagerClient);
afterEach(() => secrets.reset());

const auth = () => new SecretsSmtpAuth(new SecretsManagerClient({ region: 'eu-west-1' }));

describe('SecretsSmtpAuth', () => {
  it('reads {username,password} once per instance and secret', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '{"username":"relay","password":"s3cret"}' });
    const source = auth();
    const [first, second] = await Promise.all([source.credentials('smtp/main'), source.credentials('smtp/main')]);
    expect(first).toEqual({ username: 'relay', password: 's3cret' });
    expect(second).toEqual(first);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secrets.commandCalls(GetSecretValueCommand)[0]!.args[0].input.SecretId).toBe('smtp/main');
    // A new instance (the next invocation) reads again: rotations are picked up.
    await auth().credentials('smtp/main');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('re-reads after the cache TTL (a warm container sees a rotated password) and at once after forget()', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: '{"username":"relay","password":"old"}' })
      .resolves({ SecretString: '{"username":"relay","password":"new"}' });
    let now = 1_000_000;
    const source = new SecretsSmtpAuth(new SecretsManagerClient({ region: 'eu-west-1' }), { ttlSeconds: 300, now: () => now });
    expect((await source.credentials('smtp/main')).password).toBe('old');
    now += 299_000;
    expect((await source.credentials('smtp/main')).password).toBe('old');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    now += 2_000;
    expect((await source.credentials('smtp/main')).password).toBe('new');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    source.forget('smtp/main');
    await source.credentials('smtp/main');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(3);
  });

  it('digest() reads the secret past the cache, refreshes it, and changes with the password (which it never shows)', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: '{"username":"relay","password":"old"}' })
      .resolves({ SecretString: '{"username":"relay","password":"new"}' });
    const source = auth();
    await source.credentials('smtp/main');
    const fresh = await source.digest('smtp/main');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(fresh).toBe(credentialDigest('smtp/main', { username: 'relay', password: 'new' }));
    expect(fresh).not.toBe(credentialDigest('smtp/main', { username: 'relay', password: 'old' }));
    expect(fresh).toMatch(/^[0-9a-f]{16}$/);
    expect((await source.credentials('smtp/main')).password).toBe('new'); // the cache now holds the fresh read
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(credentialDigest('smtp/other', { username: 'relay', password: 'new' })).not.toBe(fresh); // salted by secret name
  });

  it("with Secrets Manager's version id, the digest is that id: nothing derived from the password is kept", async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: '{"username":"relay","password":"old"}', VersionId: 'v-1111' })
      .resolves({ SecretString: '{"username":"relay","password":"new"}', VersionId: 'v-2222' });
    const source = auth();
    const first = await source.credentials('smtp/main');
    expect(first).toEqual({ username: 'relay', password: 'old', version: 'v-1111' });
    expect(credentialDigest('smtp/main', first)).toBe('version:v-1111');
    expect(await source.digest('smtp/main')).toBe('version:v-2222');
  });

  it('defaults to a TTL of minutes, not the container\'s life', () => {
    expect(SECRET_CACHE_SECONDS).toBeGreaterThanOrEqual(60);
    expect(SECRET_CACHE_SECONDS).toBeLessThanOrEqual(900);
  });

  it('rejects a secret of the wrong shape without echoing its value', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'hunter2' });
    const notJson = await auth().credentials('smtp/main').catch((e: unknown) => e);
    expect(notJson).toBeInstanceOf(SmtpAuthSecretError);
    expect((notJson as Error).message).not.toContain('hunter2');

    secrets.on(GetSecretValueCommand).resolves({ SecretString: '{"user":"relay","password":"hunter2"}' });
    const wrongKeys = await auth().credentials('smtp/main').catch((e: unknown) => e);
    expect(wrongKeys).toBeInstanceOf(SmtpAuthSecretError);
    expect((wrongKeys as Error).message).toMatch(/username/);
    expect((wrongKeys as Error).message).not.toContain('hunter2');
  });

  it('does not cache a failed read', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'not found', $metadata: {} }))
      .resolves({ SecretString: '{"username":"u","password":"p"}' });
    const source = auth();
    await expect(source.credentials('smtp/main')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await source.credentials('smtp/main')).toEqual({ username: 'u', password: 'p' });
  });

  it('accepts a binary secret', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretBinary: Buffer.from('{"username":"u","password":"p"}') });
    expect(await auth().credentials('smtp/bin')).toEqual({ username: 'u', password: 'p' });
  });
});
