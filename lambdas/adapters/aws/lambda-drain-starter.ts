// Starts a drain by invoking the drain Lambda asynchronously: the probe does
// not wait for it, and Lambda retries the invoke if the drain fails to start.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { DrainMode, DrainStarter } from '../../core/drain/ports.js';

export class DrainStartError extends Error {
  constructor(readonly route: string, readonly statusCode: number | undefined) {
    super(`drain invoke for route ${route} was not accepted (status ${statusCode ?? 'none'})`);
    this.name = 'DrainStartError';
  }
}

export class LambdaDrainStarter implements DrainStarter {
  constructor(
    private readonly lambda: LambdaClient,
    private readonly functionName: string,
  ) {}

  async start(route: string, mode: DrainMode = 'deliver'): Promise<void> {
    const result = await this.lambda.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify({ route, mode })),
      }),
    );
    // An accepted async invoke answers 202.
    if (result.StatusCode !== 202) throw new DrainStartError(route, result.StatusCode);
  }
}
