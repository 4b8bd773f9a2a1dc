// Sends DSNs and delay warnings through SES. The notice is already a complete
// RFC 3464 message; SES only needs the envelope: Source is the notice's own
// return path and the Destinations are the original sender. Every notice goes
// through the stack's own configuration set, so its bounces and complaints
// have their own reputation metrics, alarms and pause (lib/constructs/
// notice-sending.ts), apart from the account's other sending.
import { SendRawEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import { NoticeSendingPausedError, type BounceMailer } from '../../core/outcome/ports.js';
import { type Envelope } from '../../core/drain/ports.js';
import { awsErrorName, isAwsError } from './aws-errors.js';

/** SES's answers while sending is paused: for the configuration set (our alarm's pause) or the whole account. */
export const CONFIGURATION_SET_PAUSED = 'ConfigurationSetSendingPausedException';
export const ACCOUNT_PAUSED = 'AccountSendingPausedException';

export class SesBounceMailer implements BounceMailer {
  constructor(
    private readonly ses: SESClient,
    /** The notices' configuration set (BACKUPMX_DSN_CONFIGURATION_SET); absent only outside a stack. */
    private readonly configurationSetName?: string,
  ) {}

  async send(raw: string, envelope: Envelope): Promise<void> {
    if (envelope.to.length === 0) throw new Error('a bounce needs at least one recipient');
    try {
      await this.ses.send(
        new SendRawEmailCommand({
          RawMessage: { Data: Buffer.from(raw, 'utf8') },
          // SES cannot send with a null return path; without Source it uses the From header.
          Source: envelope.from === '' ? undefined : envelope.from,
          Destinations: envelope.to,
          ...(this.configurationSetName ? { ConfigurationSetName: this.configurationSetName } : {}),
        }),
      );
    } catch (error) {
      // Paused sending is a wait, not a failure: the engine holds the notice.
      if (isAwsError(error, CONFIGURATION_SET_PAUSED)) throw new NoticeSendingPausedError('configuration-set', `${awsErrorName(error)}: ${(error as Error).message}`);
      if (isAwsError(error, ACCOUNT_PAUSED)) throw new NoticeSendingPausedError('account', `${awsErrorName(error)}: ${(error as Error).message}`);
      throw error;
    }
  }
}
