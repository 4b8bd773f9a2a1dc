// The local canary's way out: SMTP to the SES stand-in on loopback, where the
// canary function in AWS calls SES SendRawEmail. A refusal (the stand-in has
// no rule for the address) rejects, as SES would refuse or bounce it.
import type { CanaryMailer } from '../../lambdas/core/canary/canary-ports.js';
import type { Envelope } from '../../lambdas/core/drain/ports.js';
import { sendOverSmtp } from './demo-mail.js';

export class SmtpCanaryMailer implements CanaryMailer {
  constructor(private readonly port: () => number) {}

  async send(raw: string, envelope: Envelope): Promise<void> {
    const outcome = await sendOverSmtp(this.port(), { from: envelope.from, to: envelope.to, raw: Buffer.from(raw, 'utf8') });
    if (!outcome.ok) throw new Error(`the SES stand-in refused the canary: ${outcome.reply}`);
  }
}
