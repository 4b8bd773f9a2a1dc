// Sends an operator's forward (core/operator/forward-message.ts) through SES.
// SESv2 SendEmail with raw content: the v1 SendRawEmail the DSNs use stops at
// 10 MB, v2 takes 40 MB (SES_MAX_MESSAGE_BYTES). It goes through the notices'
// configuration set, so the forwards count in the same reputation metrics and
// stop with the same pause as the DSNs.
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { Forwarder } from '../../core/operator/forward-message.js';

export class SesForwarder implements Forwarder {
  constructor(
    private readonly ses: SESv2Client,
    private readonly configurationSetName?: string,
  ) {}

  /** Resolves with SES's message id (the forward's record keeps it). */
  async send(raw: Buffer, envelope: { from: string; to: string[] }): Promise<string | undefined> {
    const sent = await this.ses.send(
      new SendEmailCommand({
        FromEmailAddress: envelope.from,
        Destination: { ToAddresses: envelope.to },
        Content: { Raw: { Data: raw } },
        ...(this.configurationSetName ? { ConfigurationSetName: this.configurationSetName } : {}),
      }),
    );
    return sent.MessageId;
  }
}
