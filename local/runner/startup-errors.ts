// The two start-up failures a person can fix that used to end in a stack
// trace: a data directory this process cannot write, and an AWS endpoint
// (AWS_ENDPOINT_URL) that does not answer. Each becomes one line with the fix.
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** Creates `dir` if needed and proves a file can be written there. */
export async function ensureWritableDir(dir: string, variable: string): Promise<void> {
  const probe = path.join(dir, `.write-test-${randomUUID().slice(0, 8)}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new StartupError(
      `${variable}: cannot write to ${dir} (${code}); choose a directory this user can write, e.g. ${variable}=./mx-data`,
      { cause: error },
    );
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The network error code somewhere in an SDK error's chain, if any. */
export function networkCode(error: unknown): string | undefined {
  for (let e = error as (Error & { code?: string; cause?: unknown; errors?: unknown[] }) | undefined, depth = 0; e && depth < 5; depth++) {
    if (e.code && NETWORK_CODES.has(e.code)) return e.code;
    const inner = e.errors?.find((x) => NETWORK_CODES.has((x as { code?: string }).code ?? ''));
    if (inner) return (inner as { code: string }).code;
    e = e.cause as typeof e;
  }
  return undefined;
}

/** Turns "the endpoint does not answer" into a StartupError; anything else is returned as is. */
export function explainEndpointError(error: unknown, endpoint: string): unknown {
  const code = networkCode(error);
  if (!code) return error;
  return new StartupError(
    `AWS_ENDPOINT_URL ${endpoint} does not answer (${code}): start LocalStack there, or unset AWS_ENDPOINT_URL to use the emulators built in`,
    { cause: error },
  );
}
