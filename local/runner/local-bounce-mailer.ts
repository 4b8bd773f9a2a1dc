// Where DSNs go in a local run. In AWS the engine sends them through SES
// (SendRawEmail); the embedded emulators have no SES, and a laptop should not
// mail strangers anyway. So each bounce notice is kept as a .eml file with
// its envelope in a small header comment, and the runner says where it is.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BounceMailer } from '../../lambdas/core/outcome/ports.js';
import type { Envelope } from '../../lambdas/core/drain/ports.js';

export class LocalBounceMailer implements BounceMailer {
  private count = 0;
  readonly sent: { file: string; envelope: Envelope }[] = [];

  constructor(
    private readonly dir: string,
    private readonly onSent: (file: string, envelope: Envelope) => void = () => {},
  ) {}

  async send(raw: string, envelope: Envelope): Promise<void> {
    if (envelope.to.length === 0) throw new Error('a bounce needs at least one recipient');
    await mkdir(this.dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = path.join(this.dir, `${stamp}-${process.pid}-${++this.count}.eml`);
    // X-Envelope-* lines record what SES would have been told; the DSN itself follows unchanged.
    const envelopeLines = `X-Envelope-From: <${envelope.from}>\r\nX-Envelope-To: ${envelope.to.map((to) => `<${to}>`).join(', ')}\r\n`;
    await writeFile(file, envelopeLines + raw, 'utf8');
    this.sent.push({ file, envelope });
    this.onSent(file, envelope);
  }
}
