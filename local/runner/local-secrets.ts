// Secrets for local runs, where there is no Secrets Manager: a JSON file named
// by BACKUPMX_LOCAL_SECRETS, {"<secret name>": <the secret's value>}, where a
// value is what the secret would hold: {"username","password"} for SMTP AUTH,
// a PEM string (or {"privateKey": PEM}) for an ARC key. Read on every use,
// so an edited file is seen by the next drain.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SmtpAuthSource, SmtpCredentials } from '../../lambdas/adapters/aws/secrets-smtp-auth.js';
import type { ArcKeySource } from '../../lambdas/adapters/arc/arc-key.js';
import { parseArcKey } from '../../lambdas/adapters/arc/arc-key.js';
import { credentialDigest } from '../../lambdas/adapters/smtp/credential-digest.js';
import { localSecretsFileFromEnv } from './runner-config.js';

export const LOCAL_SECRETS_ENV = 'BACKUPMX_LOCAL_SECRETS';

export class LocalSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalSecretError';
  }
}

export class LocalSecretsFile implements SmtpAuthSource, ArcKeySource {
  constructor(private readonly file: string) {}

  private async value(name: string): Promise<unknown> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      throw new LocalSecretError(`${LOCAL_SECRETS_ENV} ${this.file}: ${(error as Error).message}`);
    }
    let all: unknown;
    try {
      all = JSON.parse(text);
    } catch (error) {
      // Node's own message quotes the text around the mistake: a password, often. Only the position is kept.
      const at = /position (\d+)/.exec((error as Error).message)?.[1];
      throw new LocalSecretError(`${LOCAL_SECRETS_ENV} ${this.file}: not valid JSON${at ? ` (at character ${at})` : ''}`);
    }
    const value = (all as Record<string, unknown> | null)?.[name];
    if (value === undefined) throw new LocalSecretError(`secret ${name} is not in ${LOCAL_SECRETS_ENV} (${this.file})`);
    return value;
  }

  async credentials(secretName: string): Promise<SmtpCredentials> {
    const value = (await this.value(secretName)) as Partial<SmtpCredentials> | null;
    if (typeof value?.username !== 'string' || typeof value.password !== 'string' || !value.username || !value.password) {
      throw new LocalSecretError(`secret ${secretName} needs non-empty "username" and "password" strings`);
    }
    return { username: value.username, password: value.password };
  }

  async digest(secretName: string): Promise<string> {
    return credentialDigest(secretName, await this.credentials(secretName));
  }

  async privateKey(secretName: string): Promise<string> {
    const value = await this.value(secretName);
    return parseArcKey(secretName, typeof value === 'string' ? value : JSON.stringify(value));
  }
}

/** The engine overrides for BACKUPMX_LOCAL_SECRETS (none when it is not set: such routes then fail to log in, loudly). */
export function localSecretOverrides(env: NodeJS.ProcessEnv, cwd = process.cwd()): { auth?: LocalSecretsFile; arcKeys?: LocalSecretsFile } {
  const file = localSecretsFileFromEnv(env);
  if (!file) return {};
  const secrets = new LocalSecretsFile(resolve(cwd, file));
  return { auth: secrets, arcKeys: secrets };
}
