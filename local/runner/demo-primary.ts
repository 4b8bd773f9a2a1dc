// The demo's "your mail server": the SMTP peer (local/smtp-peer) on 127.0.0.1
// taking every message and keeping its envelope and bytes; it can be down
// (not listening) and brought up on the same port.
import type { ReceivedMessage } from '../smtp-peer/peer-steps.js';
import { SmtpPeer } from '../smtp-peer/smtp-peer.js';

/** What the demo reads of a delivered message. */
export type DeliveredMessage = Pick<ReceivedMessage, 'from' | 'to' | 'raw' | 'at'>;

export class DemoPrimary extends SmtpPeer {
  constructor(port: number) {
    super({
      name: 'primary.demo',
      banner: 'demo primary',
      port,
      starttls: 'off',
      closeTimeoutMs: 500,
      dropOnStop: false, // a delivery in progress gets closeTimeoutMs to finish
      acceptedReply: ({ kept }) => `2.0.0 Ok: kept as #${kept}`,
    });
  }
}
