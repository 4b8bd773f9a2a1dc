// SMTP AUTH credentials from Secrets Manager: a secret holding
// {"username": "...", "password": "..."}. Build one per invocation: it caches
// each secret for its own lifetime, so a rotated secret is seen next run.
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';

export interface SmtpCredentials {
  username: string;
  password: string;
}

/** Where the SMTP transport gets a route's AUTH credentials by secret name. */
export interface SmtpAuthSource {
  credentials(secretName: string): Promise<SmtpCredentials>;
}

export class SmtpAuthSecretError extends Error {
  constructor(readonly secretName: string, problem: string) {
    super(`SMTP AUTH secret ${secretName}: ${problem}`);
    this.name = 'SmtpAuthSecretError';
  }
}

const secretShape = z.object({ username: z.string().min(1), password: z.string().min(1) });

export class SecretsSmtpAuth implements SmtpAuthSource {
  private readonly cache = new Map<string, Promise<SmtpCredentials>>();

  constructor(private readonly secrets: SecretsManagerClient) {}

  credentials(secretName: string): Promise<SmtpCredentials> {
    let pending = this.cache.get(secretName);
    if (!pending) {
      pending = this.fetch(secretName);
      // A failed read is not cached: the next message may try again.
      pending.catch(() => this.cache.delete(secretName));
      this.cache.set(secretName, pending);
    }
    return pending;
  }

  private async fetch(secretName: string): Promise<SmtpCredentials> {
    const result = await this.secrets.send(new GetSecretValueCommand({ SecretId: secretName }));
    const text = result.SecretString ?? (result.SecretBinary ? Buffer.from(result.SecretBinary).toString('utf8') : undefined);
    if (text === undefined) throw new SmtpAuthSecretError(secretName, 'has no value');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Never echo the secret's text into an error message.
      throw new SmtpAuthSecretError(secretName, 'is not JSON');
    }
    const checked = secretShape.safeParse(parsed);
    if (!checked.success) throw new SmtpAuthSecretError(secretName, 'needs non-empty "username" and "password" strings');
    return checked.data;
  }
}
