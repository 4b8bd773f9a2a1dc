// Sends DSNs through SES. The DSN is already a complete RFC 3464 message; SES
// only needs the envelope: Source is the bounce's own return path and the
// Destinations are the original sender.
import { SendRawEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import type { BounceMailer, Envelope } from '../../core/ports.js';

export class SesBounceMailer implements BounceMailer {
  constructor(private readonly ses: SESClient) {}

  async send(raw: string, envelope: Envelope): Promise<void> {
    if (envelope.to.length === 0) throw new Error('a bounce needs at least one recipient');
    await this.ses.send(
      new SendRawEmailCommand({
        RawMessage: { Data: Buffer.from(raw, 'utf8') },
        // SES cannot send with a null return path; without Source it uses the From header.
        Source: envelope.from === '' ? undefined : envelope.from,
        Destinations: envelope.to,
      }),
    );
  }
}
