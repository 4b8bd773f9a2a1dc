// The SMTP peer (local/smtp-peer) as "the primary" in tests: every step can be
// scripted — accept, reply with a code, stall (never answer) or drop the
// connection, per connection, per recipient and after DATA. It records every
// message it kept, the commands and bytes clients sent, and every AUTH.
// Note: smtp-server waits ~100 ms before each greeting.
//
//   const primary = await ScriptedPrimary.start({ starttls: 'require' });
//   primary.script = { rcpt: { 'b@example.com': { code: 451, enhanced: '4.2.0', text: 'try later' } } };
//   ... deliver to primary.asPrimary('opportunistic') ...
//   expect(primary.messages[0].raw.toString()).toContain('Subject:');
//   await primary.stop();
//
// The script and the start options: scripted-primary-script.ts; the actions and
// what it records: local/smtp-peer/peer-steps.ts; test certificates:
// scripted-primary-certificate.ts (import them from those files).
import { X509Certificate } from 'node:crypto';
import type { PrimaryServer, TlsMode } from '../../../lambdas/core/model.js';
import type { PeerSteps, ReceivedMessage } from '../../../local/smtp-peer/peer-steps.js';
import { SmtpPeer } from '../../../local/smtp-peer/smtp-peer.js';
import type { Script, ScriptedPrimaryOptions } from './scripted-primary-script.js';

export class ScriptedPrimary extends SmtpPeer {
  /** Replace at any time; it applies from the next SMTP step on. */
  script: Script;

  private constructor(private readonly scriptedOptions: ScriptedPrimaryOptions) {
    const { script: _script, size, ...peer } = scriptedOptions;
    super({ ...peer, name: 'primary.test', size, rejectOversized: size !== undefined, recordCommands: true, recordWire: true });
    this.script = scriptedOptions.script ?? {};
    this.steps = scriptSteps(() => this.script);
  }

  static async start(options: ScriptedPrimaryOptions = {}): Promise<ScriptedPrimary> {
    const primary = new ScriptedPrimary(options);
    await primary.listen();
    return primary;
  }

  /** The route's primary as the drain sees it. */
  asPrimary(tls: TlsMode = 'none'): PrimaryServer {
    return { host: this.host, port: this.port, tls };
  }

  /** tls "fingerprint" pinned to this primary's certificate (given in the options). */
  asPinnedPrimary(): PrimaryServer {
    return { ...this.asPrimary('fingerprint'), tlsFingerprints: [this.certificateFingerprint] };
  }

  /** The SHA-256 of the certificate it presents, "sha256:AB:…" (only for a certificate given in the options). */
  get certificateFingerprint(): string {
    if (!this.scriptedOptions.certificate) throw new Error('this primary uses smtp-server\'s built-in certificate: pass one in the options');
    return `sha256:${new X509Certificate(this.scriptedOptions.certificate.cert).fingerprint256}`;
  }

  /** Forgets the kept messages and the script (counters stay). */
  reset(script: Script = {}): void {
    this.messages.length = 0;
    this.script = script;
  }

  messagesFor(recipient: string): ReceivedMessage[] {
    return this.messages.filter((m) => m.to.includes(recipient));
  }

  async waitForMessages(count: number, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      if (Date.now() > deadline) throw new Error(`primary has ${this.messages.length} messages, expected ${count}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private listen(): Promise<void> {
    return super.start();
  }
}

/** The peer's steps read from the current script: a fixed action, one per address, or a function. */
function scriptSteps(current: () => Script): PeerSteps {
  return {
    greeting: (c) => {
      const g = current().greeting;
      return typeof g === 'function' ? g(c) : (g ?? 'accept');
    },
    greetingDelayMs: () => current().greetingDelayMs ?? 0,
    mailFrom: (from, t) => {
      const s = current().mailFrom;
      return (typeof s === 'function' ? s(from, t) : s) ?? 'accept';
    },
    rcpt: (to, t) => {
      const s = current().rcpt;
      return (typeof s === 'function' ? s(to, t) : s?.[to]) ?? 'accept';
    },
    data: (t) => {
      const s = current().data;
      return (typeof s === 'function' ? s(t) : s) ?? 'accept';
    },
    replyDelayMs: () => current().replyDelayMs ?? 0,
  };
}
