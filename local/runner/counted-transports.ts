// Wraps the drain's SMTP transports so the runner knows how many deliveries
// are in progress right now: a stop says "waiting for N deliveries" and
// waits only for those, instead of guessing. A delivery counts once the
// transport had a free session and the message was opened for it (the drain's
// opener, called just before MAIL FROM): a worker still waiting for one of the
// primary's sessions is not on the wire, and after a stop it starts nothing.
import type { Readable } from 'node:stream';
import type { Envelope, MessageContent, SmtpTransport, SmtpTransportFactory, TransactionResult } from '../../lambdas/core/drain/ports.js';
import type { PrimaryServer } from '../../lambdas/core/model.js';

export class CountedTransports implements SmtpTransportFactory {
  private sending = 0;
  private readonly idleWaiters = new Set<() => void>();

  constructor(private readonly inner: SmtpTransportFactory) {}

  /** SMTP transactions started (a session held, the message opened) and not yet answered (or failed). */
  get inFlight(): number {
    return this.sending;
  }

  async open(primary: PrimaryServer): Promise<SmtpTransport> {
    const transport = await this.inner.open(primary);
    return {
      send: (envelope: Envelope, content: MessageContent) => this.send(transport, envelope, content),
      close: () => transport.close(),
    };
  }

  /** Resolves true once no transaction is in flight, false when `timeoutMs` passes first. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.sending === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (result: boolean) => {
        clearTimeout(timer);
        this.idleWaiters.delete(wake);
        resolve(result);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.idleWaiters.add(wake);
    });
  }

  private async send(transport: SmtpTransport, envelope: Envelope, content: MessageContent): Promise<TransactionResult> {
    // Content already open (a stream): the transaction counts from the send on, as it cannot tell when a session frees.
    let counted = typeof content !== 'function';
    if (counted) this.sending += 1;
    const opener = async () => {
      const opened = await (content as Exclude<MessageContent, Readable>)();
      if (opened && !counted) {
        counted = true;
        this.sending += 1;
      }
      return opened;
    };
    try {
      return await transport.send(envelope, typeof content === 'function' ? opener : content);
    } finally {
      if (counted) {
        this.sending -= 1;
        if (this.sending === 0) for (const wake of [...this.idleWaiters]) wake();
      }
    }
  }
}
