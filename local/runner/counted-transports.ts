// Wraps the drain's SMTP transports so the runner knows how many deliveries
// are in progress right now: a stop says "waiting for N deliveries" and
// waits only for those, instead of guessing.
import type { Readable } from 'node:stream';
import type { Envelope, SmtpTransport, SmtpTransportFactory, TransactionResult } from '../../lambdas/core/ports.js';
import type { PrimaryServer } from '../../lambdas/core/model.js';

export class CountedTransports implements SmtpTransportFactory {
  private sending = 0;
  private readonly idleWaiters = new Set<() => void>();

  constructor(private readonly inner: SmtpTransportFactory) {}

  /** SMTP transactions started and not yet answered (or failed). */
  get inFlight(): number {
    return this.sending;
  }

  async open(primary: PrimaryServer): Promise<SmtpTransport> {
    const transport = await this.inner.open(primary);
    return {
      send: (envelope: Envelope, content: Readable) => this.track(() => transport.send(envelope, content)),
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

  private async track(send: () => Promise<TransactionResult>): Promise<TransactionResult> {
    this.sending += 1;
    try {
      return await send();
    } finally {
      this.sending -= 1;
      if (this.sending === 0) for (const wake of [...this.idleWaiters]) wake();
    }
  }
}
