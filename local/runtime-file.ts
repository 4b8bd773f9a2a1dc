// How the `backup-mx` command finds a running local backup MX (`npm start`):
// the runner writes this file when it is ready and removes it on a clean stop.
// It lives in BACKUPMX_DATA_DIR, or in ./.backup-mx when no data dir is set.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Settings } from '../lambdas/config/settings.js';

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
  /** The data directory in use, if any. */
  dataDir?: string;
}

export const runtimeDir = (env: NodeJS.ProcessEnv = process.env): string =>
  path.resolve(env.BACKUPMX_DATA_DIR || '.backup-mx');

export const runtimeFilePath = (env: NodeJS.ProcessEnv = process.env): string => path.join(runtimeDir(env), 'runtime.json');

export async function writeRuntimeInfo(info: RuntimeInfo, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const file = runtimeFilePath(env);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(info, null, 2) + '\n', 'utf8');
  return file;
}

/** The running instance's details, or undefined when none has written them. */
export async function readRuntimeInfo(env: NodeJS.ProcessEnv = process.env): Promise<RuntimeInfo | undefined> {
  try {
    return JSON.parse(await readFile(runtimeFilePath(env), 'utf8')) as RuntimeInfo;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function removeRuntimeInfo(env: NodeJS.ProcessEnv = process.env): Promise<void> {
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
