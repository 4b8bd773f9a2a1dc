// The trigger's HMAC secret from Secrets Manager (the stack generates it). The
// value is cached for a few minutes: a rotated secret is picked up soon, and
// a burst of calls costs one read.
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { TriggerKey } from '../../core/operator/ports.js';

const CACHE_MS = 300_000;

export class TriggerKeyError extends Error {
  constructor(readonly secretId: string, problem: string) {
    super(`trigger secret ${secretId}: ${problem}`);
    this.name = 'TriggerKeyError';
  }
}

export class SecretsTriggerKey implements TriggerKey {
  private cached?: { at: number; value: Promise<string> };

  constructor(private readonly secrets: SecretsManagerClient, private readonly secretId: string, private readonly now = () => Date.now()) {}

  secret(): Promise<string> {
    if (!this.cached || this.now() - this.cached.at > CACHE_MS) {
      const value = this.fetch();
      const entry = { at: this.now(), value };
      value.catch(() => {
        if (this.cached === entry) this.cached = undefined; // a failed read is not cached
      });
      this.cached = entry;
    }
    return this.cached.value;
  }

  private async fetch(): Promise<string> {
    const result = await this.secrets.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    const text = result.SecretString ?? (result.SecretBinary ? Buffer.from(result.SecretBinary).toString('utf8') : '');
    // Never echo the secret's text into an error message.
    if (text.length < 16) throw new TriggerKeyError(this.secretId, 'is empty or shorter than 16 characters');
    return text;
  }
}
