// Where an operator's forward goes in a local run: the outbox the DSNs are
// written to (local-bounce-mailer.ts), as a .eml file with its envelope in
// X-Envelope-* lines first; the forward's bytes follow unchanged (a Buffer:
// the attached original may hold bytes that are not UTF-8).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Forwarder } from '../../lambdas/core/operator/forward-message.js';

export class LocalForwarder implements Forwarder {
  private count = 0;

  constructor(
    private readonly dir: string,
    private readonly onSent: (file: string, to: string[]) => void = () => {},
  ) {}

  /** Resolves with the outbox file written (the forward's record keeps it). */
  async send(raw: Buffer, envelope: { from: string; to: string[] }): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = path.join(this.dir, `${stamp}-${process.pid}-forward-${++this.count}.eml`);
    const envelopeLines = `X-Envelope-From: <${envelope.from}>\r\nX-Envelope-To: ${envelope.to.map((to) => `<${to}>`).join(', ')}\r\n`;
    await writeFile(file, Buffer.concat([Buffer.from(envelopeLines, 'utf8'), raw]));
    this.onSent(file, envelope.to);
    return file;
  }
}
