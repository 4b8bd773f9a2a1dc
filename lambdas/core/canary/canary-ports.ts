// What the canary use cases need from outside (adapters in lambdas/adapters,
// fakes in lambdas/adapters/fakes).
import type { Envelope } from '../drain/ports.js';

/** The stack's canary key (DynamoDB item `canary#key`): only the canary function creates it. */
export interface CanaryKeys {
  /** The key, or undefined when no canary was ever sent (nothing can be a canary then). */
  get(): Promise<Buffer | undefined>;
  /** The key, created (random, 32 bytes) when there is none yet; concurrent callers get the same one. */
  getOrCreate(): Promise<Buffer>;
}

/** Sends the canary: SES SendRawEmail in AWS, SMTP to the SES stand-in locally. Rejects when it was not accepted. */
export interface CanaryMailer {
  send(raw: string, envelope: Envelope): Promise<void>;
}

/** Whether mail to the canary domain reaches this region's SES inbound endpoint and nothing else. */
export interface CanaryDestination {
  /** Why a canary sent now would not reach us (the MX records are wrong or missing), or undefined when it would. */
  problem(domain: string): Promise<string | undefined>;
}

/** The canary's settings, the same in the sender, the accept step and the drain. */
export interface CanaryAddress {
  /** Where the canary goes and what it is sent from: `canary@<canary domain>`. */
  address: string;
  /** The route whose queue it travels (the first route: its topic, queue and drain). */
  route: string;
}
