// Canary Lambda: scheduled (hourly by default). Sends one signed message
// through SES to the canary address, whose only MX is this region's SES
// inbound endpoint; the accept function measures its arrival and the drain
// drops it (core/canary). A canary that did not go out (wrong MX record, SES
// refused it) is no failed invocation: the probe's canary-missing condition reports it, and the log
// line says why. Only a state table it cannot read fails the run.
import { lambdaEnv } from '../app/lambda-env.js';
import { awsSendCanary } from '../app/canary-app.js';
import type { SendCanary, SendCanaryResult } from '../core/canary/send-canary.js';

export function makeCanaryHandler(getUseCase: () => SendCanary) {
  return (): Promise<SendCanaryResult> => getUseCase().send();
}

let useCase: SendCanary | undefined;
export const handler = makeCanaryHandler(() => (useCase ??= awsSendCanary(lambdaEnv())));
