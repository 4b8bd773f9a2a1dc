// Builds the canary's use cases. In Lambda the sender is its own small
// composition (no routes, no engine: its key, SES, DNS); the local runner
// builds it on its engine with a mailer that speaks SMTP to the SES stand-in.
// The recogniser (accept, drain, sweep) is built by the engine from the same
// settings, so all three agree on the address and the key.
import { createCanaryClients } from '../adapters/aws/clients.js';
import { DynamoCanaryKey } from '../adapters/aws/dynamo-canary-key.js';
import { PowertoolsDeliveryLog } from '../adapters/aws/powertools-delivery-log.js';
import { SesBounceMailer } from '../adapters/aws/ses-bounce-mailer.js';
import { DnsCanaryDestination } from '../adapters/dns/dns-canary-destination.js';
import { loadCanarySettings } from '../config/settings.js';
import type { CanaryMailer } from '../core/canary/canary-ports.js';
import { SendCanary } from '../core/canary/send-canary.js';
import type { Composition } from './composition.js';
import { regionOf } from './lambda-env.js';

/** This region's SES inbound endpoint, where the canary domain's only MX must point. */
export const sesInboundHostOf = (region: string) => `inbound-smtp.${region}.amazonaws.com`;

/** The canary function's use case, from its environment. Does no I/O until it runs. */
export function awsSendCanary(env: NodeJS.ProcessEnv): SendCanary {
  const settings = loadCanarySettings(env);
  const region = regionOf(env);
  const clients = createCanaryClients({ region, env });
  return new SendCanary(
    {
      keys: new DynamoCanaryKey(clients.doc, settings.tableName),
      // No configuration set: the canary is no notice, and must not weigh in the notices' reputation or be paused with them.
      mailer: new SesBounceMailer(clients.ses),
      destination: new DnsCanaryDestination(sesInboundHostOf(region)),
      clock: { now: () => new Date() },
      log: new PowertoolsDeliveryLog(),
    },
    { address: settings.canaryAddress, ...(settings.canaryIntervalMinutes ? { intervalMinutes: settings.canaryIntervalMinutes } : {}) },
  );
}

/** The local runner's sender: the same use case on its composition's table; `mailer` reaches the SES stand-in. */
export function localSendCanary(composed: Pick<Composition, 'engine' | 'deps' | 'clients'>, mailer: CanaryMailer, intervalMinutes?: number): SendCanary | undefined {
  const { deps } = composed;
  const { settings } = composed.engine;
  if (!settings.canaryAddress) return undefined;
  return new SendCanary(
    { keys: new DynamoCanaryKey(composed.clients.doc, settings.tableName), mailer, clock: deps.clock, log: deps.log },
    { address: settings.canaryAddress, ...(intervalMinutes ? { intervalMinutes } : {}) },
  );
}
