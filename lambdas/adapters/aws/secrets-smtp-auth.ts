// SMTP AUTH credentials from Secrets Manager: a secret holding
// {"username": "...", "password": "..."}. Each secret is cached for a few
// minutes (a warm Lambda container lives for hours, and a rotated password
// must be seen well before that), and dropped at once when the primary
// refuses it, so the next session reads the new one.
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { credentialDigest } from '../smtp/credential-digest.js';

export interface SmtpCredentials {
  username: string;
  password: string;
  /** The secret's version id: changes whenever its value does (credential-digest.ts). */
  version?: string;
}

/** Where the SMTP transport gets a route's AUTH credentials by secret name. */
export interface SmtpAuthSource {
  credentials(secretName: string): Promise<SmtpCredentials>;
  /** Drops the cached copy (after the primary refused it). */
  forget?(secretName: string): void;
  /** credentialDigest of the secret's current value, read past the cache (the probe's "was it fixed?"). */
  digest?(secretName: string): Promise<string>;
}

/** How long a read secret is reused: short enough for a rotation, long enough to spare a call per session. */
export const SECRET_CACHE_SECONDS = 300;

export class SmtpAuthSecretError extends Error {
  constructor(readonly secretName: string, problem: string) {
    super(`SMTP AUTH secret ${secretName}: ${problem}`);
    this.name = 'SmtpAuthSecretError';
  }
}

const secretShape = z.object({ username: z.string().min(1), password: z.string().min(1) });

export class SecretsSmtpAuth implements SmtpAuthSource {
  private readonly cache = new Map<string, { at: number; pending: Promise<SmtpCredentials> }>();

  constructor(
    private readonly secrets: SecretsManagerClient,
    private readonly options: { ttlSeconds?: number; now?: () => number } = {},
  ) {}

  credentials(secretName: string): Promise<SmtpCredentials> {
    const now = (this.options.now ?? Date.now)();
    const ttlMs = (this.options.ttlSeconds ?? SECRET_CACHE_SECONDS) * 1000;
    const cached = this.cache.get(secretName);
    if (cached && now - cached.at < ttlMs) return cached.pending;
    const entry = { at: now, pending: this.fetch(secretName) };
    // A failed read is not cached: the next message may try again.
    entry.pending.catch(() => {
      if (this.cache.get(secretName) === entry) this.cache.delete(secretName);
    });
    this.cache.set(secretName, entry);
    return entry.pending;
  }

  forget(secretName: string): void {
    this.cache.delete(secretName);
  }

  /** A fresh read (one GetSecretValue per call, made only while a refusal's wait runs), which also refreshes the cache. */
  async digest(secretName: string): Promise<string> {
    this.forget(secretName);
    return credentialDigest(secretName, await this.credentials(secretName));
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
    return { ...checked.data, ...(result.VersionId ? { version: result.VersionId } : {}) };
  }
}
