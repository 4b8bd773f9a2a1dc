// How the `backup-mx` command finds a running local backup MX (`npm start`):
// the runner writes this file when it is ready, again at each reload, and
// removes it on a clean stop. It lives in BACKUPMX_DATA_DIR, or in
// ./.backup-mx when no data dir is set. It names files (configuration,
// secrets), never a secret's value; it is written mode 0600 all the same.
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Settings } from '../lambdas/config/settings.js';
import { runtimeDirFromEnv } from './runner/runner-config.js';

/**
 * SES, Lambda and Secrets Manager have no emulator here: their clients point at
 * a closed loopback port so a stray call fails at once instead of reaching AWS
 * with the operator's credentials.
 */
export const UNUSED_SERVICE_ENDPOINT = 'http://127.0.0.1:9';

export interface RuntimeInfo {
  pid: number;
  startedAt: string;
  region: string;
  /** One endpoint per service (embedded emulators) or the same one for all (LocalStack). */
  endpoints: { s3: string; sqs: string; sns: string; dynamodb: string };
  bucketName: string;
  tableName: string;
  deadLetterQueueUrl: string;
  routes: { name: string; queueUrl: string; topicArn: string }[];
  /** The SES stand-in's SMTP port on 127.0.0.1. */
  smtpPort: number;
  /** The "I'm back" trigger's HTTP port on 127.0.0.1 (its key is trigger.key next to this file). */
  triggerPort?: number;
  /** The engine settings the runner uses (what BACKUPMX_* would hold in Lambda). */
  settings: Settings;
  /** The data directory in use, if any (absolute). */
  dataDir?: string;
  /** The configuration file the runner loaded (absolute): BACKUPMX_CONTEXT_FILE, or its checkout's cdk.json. */
  configFile?: string;
  /** True when configFile is a cdk.json (the configuration under "context"), false for a context file. */
  configFromCdkJson?: boolean;
  /** SHA-256 of configFile's text when the runner loaded it (at start or the last reload). */
  configDigest?: string;
  /** The BACKUPMX_LOCAL_SECRETS file the runner reads (absolute); the CLI reads it with its own user's rights. */
  secretsFile?: string;
}

export const runtimeDir = (env: NodeJS.ProcessEnv): string => runtimeDirFromEnv(env);

export const runtimeFilePath = (env: NodeJS.ProcessEnv): string => path.join(runtimeDir(env), 'runtime.json');

export async function writeRuntimeInfo(info: RuntimeInfo, env: NodeJS.ProcessEnv): Promise<string> {
  const file = runtimeFilePath(env);
  await mkdir(path.dirname(file), { recursive: true });
  await writePrivateFile(file, JSON.stringify(info, null, 2) + '\n');
  return file;
}

/**
 * Written beside, then renamed over: a CLI reading during a reload sees the old
 * file or the new one, never half of one. Mode 0600 (chmod too: a file of an
 * older run may have kept 0644 and the umask may be looser).
 */
export async function writePrivateFile(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text, { encoding: 'utf8', mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}

export class UntrustedRuntimeFileError extends Error {
  constructor(readonly file: string, why: string) {
    super(
      `${file} ${why}: not used, since it names the primary this command logs in to and the secrets file it reads. ` +
        'Remove it, or point --data-dir at your own runner\'s data directory',
    );
    this.name = 'UntrustedRuntimeFileError';
  }
}

/**
 * Throws unless the file belongs to this user and no one else may write it:
 * a runtime file planted by another user (in /tmp, say) could otherwise name
 * a primary of theirs and this user's secrets file, and get the password sent to it.
 */
export async function assertOwnFile(file: string): Promise<void> {
  const { uid, mode } = await stat(file);
  const me = process.getuid?.();
  if (me !== undefined && uid !== me) throw new UntrustedRuntimeFileError(file, `belongs to user id ${uid}, not to you (${me})`);
  if ((mode & 0o022) !== 0) throw new UntrustedRuntimeFileError(file, `can be written by other users (mode ${(mode & 0o777).toString(8)})`);
}

/** The running instance's details, or undefined when none has written them. */
export async function readRuntimeInfo(env: NodeJS.ProcessEnv): Promise<RuntimeInfo | undefined> {
  try {
    return JSON.parse(await readFile(runtimeFilePath(env), 'utf8')) as RuntimeInfo;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function removeRuntimeInfo(env: NodeJS.ProcessEnv): Promise<void> {
  await rm(runtimeFilePath(env), { force: true });
}

/** True when a process with this pid exists (the runtime file may outlive a crashed runner). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
