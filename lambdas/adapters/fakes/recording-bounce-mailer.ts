// Keeps every DSN it is asked to send.
import { NoticeSendingPausedError, type BounceMailer } from '../../core/outcome/ports.js';
import { type Envelope } from '../../core/drain/ports.js';
import type { FaultInjector } from './fault-injector.js';

export class RecordingBounceMailer implements BounceMailer {
  readonly sent: { raw: string; envelope: Envelope }[] = [];
  failNext?: Error;
  /** While this says sending is off, send() refuses as SES does for a paused configuration set. */
  sending?: { sending: boolean };
  /** Seeded failures of `bounces.send`. */
  faults?: FaultInjector;

  async send(raw: string, envelope: Envelope): Promise<void> {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    this.faults?.check('bounces.send');
    if (this.sending && !this.sending.sending) throw new NoticeSendingPausedError('configuration-set', 'ConfigurationSetSendingPausedException (fake)');
    this.sent.push({ raw, envelope: { from: envelope.from, to: [...envelope.to] } });
  }
}
