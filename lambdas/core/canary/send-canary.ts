// Sends one canary (the canary function, on its schedule; the local runner on
// its own loop): a signed message from the canary address to itself, through
// SES receiving like any mail. The arrival is measured by the accept step
// (recognise-canary.ts); this only sends. Nothing here fails loudly: a canary
// that cannot go out simply never arrives, and the probe's canary-missing condition fires; the log
// line says why, with the fix.
import type { Clock, DeliveryLog } from '../runtime/ports.js';
import { canaryMessage } from './canary-message.js';
import type { CanaryDestination, CanaryKeys, CanaryMailer } from './canary-ports.js';
import { canarySubject } from './canary-token.js';

export interface SendCanaryDeps {
  keys: CanaryKeys;
  mailer: CanaryMailer;
  /** Checked before each send (the MX records); absent locally, where the stand-in is the destination. */
  destination?: CanaryDestination;
  clock: Clock;
  log: DeliveryLog;
}

export interface SendCanaryOptions {
  address: string;
  /** Said in the message's text. */
  intervalMinutes?: number;
}

export type SendCanaryResult = { sent: true; sentAt: Date } | { sent: false; reason: string };

export class SendCanary {
  constructor(
    private readonly deps: SendCanaryDeps,
    private readonly options: SendCanaryOptions,
  ) {}

  async send(): Promise<SendCanaryResult> {
    const { address } = this.options;
    const { log } = this.deps;
    const domain = address.slice(address.lastIndexOf('@') + 1);
    const problem = await this.deps.destination?.problem(domain).catch((error: Error) => `could not look up the MX records of ${domain}: ${error.message}`);
    if (problem) {
      // Sending into a wrong record would bounce, and bounces count against the account's SES reputation.
      log.error('canary not sent: its MX record is not right', { address, problem, fix: 'run `npx backup-mx doctor`: it prints the record to add' });
      return { sent: false, reason: problem };
    }
    const key = await this.deps.keys.getOrCreate();
    const sentAt = this.deps.clock.now();
    const raw = canaryMessage(address, canarySubject(key, address, sentAt), sentAt, this.options.intervalMinutes);
    try {
      await this.deps.mailer.send(raw, { from: address, to: [address] });
    } catch (error) {
      const reason = `${(error as Error).name}: ${(error as Error).message}`;
      log.error('canary not sent: SES refused it', { address, error: reason, fix: 'the canary domain must be under a verified SES identity (`npx backup-mx doctor`)' });
      return { sent: false, reason };
    }
    log.info('canary sent', { address, sentAt: sentAt.toISOString() });
    return { sent: true, sentAt };
  }
}
