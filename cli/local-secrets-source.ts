// The secrets a `--local` command logs in and seals with: the file in
// BACKUPMX_LOCAL_SECRETS when this shell sets it (it wins), else the file the
// running runner reads (its runtime file names it), read with this user's
// rights. Without either, a source that says so: never Secrets Manager's
// stand-in address, whose ECONNREFUSED would read as the primary's fault.
import path from 'node:path';
import type { SmtpAuthSource, SmtpCredentials } from '../lambdas/adapters/aws/secrets-smtp-auth.js';
import type { ArcKeySource } from '../lambdas/adapters/arc/arc-key.js';
import type { Route } from '../lambdas/core/model.js';
import { LOCAL_SECRETS_ENV, LocalSecretError, LocalSecretsFile } from '../local/runner/local-secrets.js';
import type { RuntimeInfo } from '../local/runtime-file.js';
import type { CliEnv } from './cli-env.js';
import { CliError } from './errors.js';

export interface LocalSecretsChoice {
  source: SmtpAuthSource & ArcKeySource;
  /** Where the secrets come from, for messages: "BACKUPMX_LOCAL_SECRETS /x.json", "the runner's secrets file /x.json", or undefined. */
  origin?: string;
}

export function localSecretsFor(info: Pick<RuntimeInfo, 'secretsFile'>, env: Pick<CliEnv, 'localSecrets'>, cwd = process.cwd()): LocalSecretsChoice {
  const own = env.localSecrets;
  if (own) {
    const file = path.resolve(cwd, own);
    return { source: new LocalSecretsFile(file), origin: `${LOCAL_SECRETS_ENV} ${file} (set in this shell)` };
  }
  if (info.secretsFile) return { source: new LocalSecretsFile(info.secretsFile), origin: `the runner's secrets file ${info.secretsFile}` };
  return { source: new NoSecretsFile() };
}

/** Neither this shell nor the runner names a secrets file. */
export class NoSecretsFile implements SmtpAuthSource, ArcKeySource {
  private fail(secretName: string): never {
    throw new LocalSecretError(`secret ${secretName} cannot be read: the runner was started without ${LOCAL_SECRETS_ENV} and this shell does not set it`);
  }

  async credentials(secretName: string): Promise<SmtpCredentials> {
    return this.fail(secretName);
  }

  async privateKey(secretName: string): Promise<string> {
    return this.fail(secretName);
  }
}

export class SecretUnavailableError extends CliError {
  constructor(route: Route, secretName: string, use: string, detail: string) {
    super(
      `route ${route.name}: ${use} needs secret ${secretName}, which this command cannot read (${detail}). ` +
        `Nothing was sent: the primary ${route.primary.host}:${route.primary.port} is not marked down and no mail was deferred. ` +
        `Start the runner with ${LOCAL_SECRETS_ENV}=<file> (this command then reads the same file), or set ${LOCAL_SECRETS_ENV} here`,
    );
    this.name = 'SecretUnavailableError';
  }
}

/**
 * Reads the route's AUTH and ARC secrets before anything connects: a drain
 * whose login fails for want of a secret would otherwise count as the primary
 * failing (marked down, its mail deferred), and a callout would say the primary is not up.
 */
export async function assertSecretsReadable(route: Route, secrets: LocalSecretsChoice, needs: { arc: boolean }): Promise<void> {
  const checks: [string, string, () => Promise<unknown>][] = [];
  const auth = route.primary.authSecretName;
  if (auth) checks.push([auth, `its primary's SMTP AUTH`, () => secrets.source.credentials(auth)]);
  const arc = route.arc?.keySecretName;
  if (arc && needs.arc) checks.push([arc, 'its ARC seal', () => secrets.source.privateKey(arc)]);
  for (const [name, use, read] of checks) {
    try {
      await read();
    } catch (error) {
      throw new SecretUnavailableError(route, name, use, (error as Error).message);
    }
  }
}
