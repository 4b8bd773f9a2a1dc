// Where LocalStack listens and whether it is up, for the LocalStack scripts.
// Its health endpoint answers before every service is loaded; S3, SQS, SNS
// and DynamoDB load lazily on first use, so "up" is enough to start.

export const DEFAULT_LOCALSTACK_URL = 'http://localhost:4566';

export class LocalStackUnavailableError extends Error {
  constructor(url: string, why: string) {
    super(
      `LocalStack is not answering at ${url} (${why}).\n` +
        '  Start it with: LOCALSTACK_AUTH_TOKEN=... docker compose -f localstack/docker-compose.yml up -d\n' +
        '  (see localstack/README.md), or set AWS_ENDPOINT_URL to where it listens.',
    );
    this.name = 'LocalStackUnavailableError';
  }
}

/** The endpoint to use: AWS_ENDPOINT_URL when set, else LocalStack's default. */
export const localStackUrl = (env: NodeJS.ProcessEnv = process.env): string => env.AWS_ENDPOINT_URL || DEFAULT_LOCALSTACK_URL;

/** Resolves once LocalStack's health endpoint answers; throws LocalStackUnavailableError after `timeoutMs`. */
export async function waitForLocalStack(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let why = 'no answer';
  for (;;) {
    try {
      const response = await fetch(new URL('/_localstack/health', url), { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      why = `health check answered ${response.status}`;
    } catch (error) {
      why = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    }
    if (Date.now() > deadline) throw new LocalStackUnavailableError(url, why);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
