// What the local backup MX reports as it works, for the demo, the tests and
// anything else embedding it: the same facts as its printed lines, as data.
import type { DrainSummary } from '../../lambdas/core/drain/drain-summary.js';
import type { DeliveryLog } from '../../lambdas/core/runtime/ports.js';
import type { PrimaryChange } from './observed-probe.js';

export interface QueuedEvent {
  messageId: string;
  route: string;
  /** Envelope sender; '' for the null sender. */
  sender: string;
  recipients: string[];
  at: Date;
  /** 'smtp' for a message just received, 'spool' for one put back after a restart. */
  source: 'smtp' | 'spool';
}

export type AttemptEvent = Parameters<DeliveryLog['attempt']>[0] & { at: Date };

/** The stack's canary reached the accept step (what CanaryRoundTripSeconds records in AWS). */
export interface CanaryEvent {
  messageId: string;
  roundTripSeconds: number;
  at: Date;
}

export interface RunnerEvents {
  queued: QueuedEvent;
  primary: PrimaryChange;
  attempt: AttemptEvent;
  drain: DrainSummary;
  canary: CanaryEvent;
}

export class EventTimeoutError extends Error {
  constructor(event: string, timeoutMs: number) {
    super(`no matching "${event}" event within ${timeoutMs} ms`);
    this.name = 'EventTimeoutError';
  }
}

type Listener<T> = (event: T) => void;

export class RunnerEventBus {
  private readonly listeners = new Map<keyof RunnerEvents, Set<Listener<never>>>();

  on<K extends keyof RunnerEvents>(event: K, listener: Listener<RunnerEvents[K]>): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener as Listener<never>);
    this.listeners.set(event, set);
    return () => set.delete(listener as Listener<never>);
  }

  emit<K extends keyof RunnerEvents>(event: K, payload: RunnerEvents[K]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        (listener as Listener<RunnerEvents[K]>)(payload);
      } catch {
        // A listener's bug must not break mail handling.
      }
    }
  }

  /** The next event that matches, or EventTimeoutError after `timeoutMs`. */
  next<K extends keyof RunnerEvents>(
    event: K,
    matches: (payload: RunnerEvents[K]) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<RunnerEvents[K]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new EventTimeoutError(event, timeoutMs));
      }, timeoutMs);
      const off = this.on(event, (payload) => {
        if (!matches(payload)) return;
        clearTimeout(timer);
        off();
        resolve(payload);
      });
    });
  }
}
