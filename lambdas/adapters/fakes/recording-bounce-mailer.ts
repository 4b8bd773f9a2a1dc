// Keeps every DSN it is asked to send.
import type { BounceMailer, Envelope } from '../../core/ports.js';
import type { FaultInjector } from './fault-injector.js';

export class RecordingBounceMailer implements BounceMailer {
  readonly sent: { raw: string; envelope: Envelope }[] = [];
  failNext?: Error;
  /** Seeded failures of `bounces.send`. */
  faults?: FaultInjector;

  async send(raw: string, envelope: Envelope): Promise<void> {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    this.faults?.check('bounces.send');
    this.sent.push({ raw, envelope: { from: envelope.from, to: [...envelope.to] } });
  }
}
