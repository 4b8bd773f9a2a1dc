// Asks the probe function to check one route now (the "I'm back" trigger):
// a synchronous invoke, so the caller learns what the check found and the
// primary's hook can print it. The probe applies its own guards.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { ProbeRequester } from '../../core/operator/ports.js';
import type { RouteProbeOutcome } from '../../core/probe/probe-primaries.js';

export class ProbeRequestError extends Error {
  constructor(readonly route: string, problem: string) {
    super(`probe of route ${route}: ${problem}`);
    this.name = 'ProbeRequestError';
  }
}

const STATUSES = new Set(['up', 'down', 'unknown']);

export class LambdaProbeRequester implements ProbeRequester {
  constructor(
    private readonly lambda: LambdaClient,
    private readonly functionName: string,
  ) {}

  async probeNow(route: string): Promise<RouteProbeOutcome> {
    const result = await this.lambda.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify({ route, reason: 'trigger' })),
      }),
    );
    const text = result.Payload ? new TextDecoder().decode(result.Payload) : '';
    if (result.FunctionError) throw new ProbeRequestError(route, `the probe function failed (${result.FunctionError}): ${text.slice(0, 300)}`);
    let outcome: Partial<RouteProbeOutcome> | undefined;
    try {
      outcome = JSON.parse(text) as Partial<RouteProbeOutcome>;
    } catch {
      outcome = undefined;
    }
    if (!outcome || outcome.route !== route || !STATUSES.has(String(outcome.status)) || typeof outcome.held !== 'boolean') {
      throw new ProbeRequestError(route, `unexpected answer from the probe function: ${text.slice(0, 300)}`);
    }
    return outcome as RouteProbeOutcome;
  }
}
