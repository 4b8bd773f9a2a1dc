// Hold and release by message (Postfix's `postsuper -h` / `-H`): the operator
// holds chosen queued messages while the rest of their route flows. The mark
// is on each queued copy's index summary (MessageIndex.setHold); the drain
// reads it beside the message's ledger rows and leaves a held copy queued,
// untouched, like a deferral (core/drain/deliver-message.ts). What is acted on
// is exactly what the caller listed (a dry run prints the same list): each
// message's copies are read again just before, so one finished since it was
// selected is skipped, not marked.
//
// Lifetime: a hold has no end of its own. Like a route hold, it does not stop
// the queue lifetime: a message still held then expires and its sender gets a
// DSN (or it is dead-lettered, per the route's policy). The raw object is kept
// the queue lifetime plus EXTRA_RETENTION_DAYS (lib/constructs/mail-bucket.ts),
// so a held message never outlives its bytes; SQS's 14 days are covered by
// the fresh copy every postponed entry gets (MessageOutcomes.postpone).
//
// Release: the held entry is hidden for up to HELD_RECHECK_SECONDS, so a
// release also queues a fresh copy of the notification as it arrived (the
// envelope archive's), visible at once: the next drain delivers it. The hidden
// entry, when it comes back, finds its recipients final and is dropped (the
// ledger, as for SNS's duplicate deliveries). Without an archived envelope it
// is delivered when the hidden entry comes back.
import type { EnvelopeArchive, MessageHold, MessageIndex, MessageSummary } from '../accept/ports.js';
import type { MailQueue } from '../drain/ports.js';
import type { Route } from '../model.js';
import type { Clock } from '../runtime/ports.js';
import type { SelectedMessage, Selection } from './select-messages.js';

/** How soon a released message's queue entry comes back to be delivered (the drain's recheck of a held entry). */
export { HELD_RECHECK_SECONDS } from '../drain/deliver-message.js';

export interface HoldMessagesDeps {
  index: Pick<MessageIndex, 'find' | 'setHold'>;
  /** Where a release finds the notification to queue afresh (kept at accept). */
  archive: Pick<EnvelopeArchive, 'list'>;
  routes: Route[];
  queues: (route: Route) => MailQueue;
  clock: Clock;
  /** When a message received then expires (the queue lifetime). */
  expiresAt(receivedAt: Date): Date;
}

/** A message on a route, as `--message <id>` or a selection names it. */
export type HoldSubject = Pick<SelectedMessage, 'id' | 'route'> & { receivedAt?: Date };

export type HoldOutcome =
  /** `queuedAgain`: release only, the fresh queue copies sent (0: delivered when the hidden entry comes back). */
  | { message: HoldSubject; acted: true; copies: number; queuedAgain?: number }
  /** Not acted on, and not an error: finished, gone, already held (hold) or not held (release). */
  | { message: HoldSubject; skipped: string }
  | { message: HoldSubject; failed: Error };

/** A hold's reason is shown by mailq, show and status: bounded like a window's. */
export const MAX_HOLD_REASON_CHARS = 200;

export class HoldRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HoldRefusedError';
  }
}

export type HoldProgress = (done: number, total: number, last: HoldOutcome) => void;

export class HoldMessages {
  constructor(private readonly deps: HoldMessagesDeps) {}

  /** What `hold <filters>` acts on: the queued messages selected that are not held yet. */
  toHold(selection: Selection): SelectedMessage[] {
    return selection.matched.filter((m) => m.state === 'queued' && !m.queued?.summary.held);
  }

  /** What `release <filters>` acts on: the selected messages that are held. */
  toRelease(selection: Selection): SelectedMessage[] {
    return selection.matched.filter((m) => m.state === 'queued' && m.queued?.summary.held !== undefined);
  }

  /** The earliest time one of these expires if still held then (undefined for none). */
  firstExpiry(messages: HoldSubject[]): Date | undefined {
    const times = messages.flatMap((m) => (m.receivedAt ? [this.deps.expiresAt(m.receivedAt).getTime()] : []));
    return times.length > 0 ? new Date(Math.min(...times)) : undefined;
  }

  /** Holds each message's queued copies on its route; a failure on one is counted and the rest go on. */
  async hold(messages: HoldSubject[], reason: string | undefined, progress: HoldProgress = () => {}): Promise<HoldOutcome[]> {
    if (reason !== undefined && reason.length > MAX_HOLD_REASON_CHARS) throw new HoldRefusedError(`--reason: at most ${MAX_HOLD_REASON_CHARS} characters (got ${reason.length})`);
    const hold: MessageHold = { since: this.deps.clock.now(), ...(reason ? { reason } : {}) };
    return this.each(messages, progress, async (copies, message) => {
      const free = copies.filter((c) => !c.held);
      if (free.length === 0) return { message, skipped: 'already held' };
      let marked = 0;
      for (const c of free) if (await this.deps.index.setHold(c.messageId, c.route, c.copy ?? '', hold)) marked += 1;
      return marked > 0 ? { message, acted: true, copies: marked } : { message, skipped: 'finished since it was selected' };
    });
  }

  /** Lifts the hold of each message's copies on its route and queues each afresh: the next drain delivers them. */
  async release(messages: HoldSubject[], progress: HoldProgress = () => {}): Promise<HoldOutcome[]> {
    return this.each(messages, progress, async (copies, message) => {
      const held = copies.filter((c) => c.held);
      if (held.length === 0) return { message, skipped: 'not held' };
      const lifted = [];
      for (const c of held) if (await this.deps.index.setHold(c.messageId, c.route, c.copy ?? '', undefined)) lifted.push(c);
      if (lifted.length === 0) return { message, skipped: 'finished since it was selected' };
      return { message, acted: true, copies: lifted.length, queuedAgain: await this.queueAgain(lifted) };
    });
  }

  /** A fresh, visible queue entry per lifted copy, from its archived notification; how many were sent. */
  private async queueAgain(copies: MessageSummary[]): Promise<number> {
    let sent = 0;
    for (const c of copies) {
      const route = this.deps.routes.find((r) => r.name === c.route);
      if (!route) continue;
      // The archive lists by arrival time: this copy's millisecond.
      const envelopes = await this.deps.archive.list(c.route, c.receivedAt, new Date(c.receivedAt.getTime() + 1));
      const envelope = envelopes.find((e) => e.messageId === c.messageId && (e.copy ?? '') === (c.copy ?? ''));
      if (!envelope) continue;
      await this.deps.queues(route).enqueue(envelope.notification);
      sent += 1;
    }
    return sent;
  }

  private async each(
    messages: HoldSubject[],
    progress: HoldProgress,
    act: (copies: MessageSummary[], message: HoldSubject) => Promise<HoldOutcome>,
  ): Promise<HoldOutcome[]> {
    const outcomes: HoldOutcome[] = [];
    for (const message of messages) {
      let outcome: HoldOutcome;
      try {
        // Read now, not taken from the selection (minutes old after a confirmation).
        const copies = (await this.deps.index.find(message.id)).filter((s) => s.route === message.route && s.state === 'queued');
        outcome = copies.length === 0 ? { message, skipped: 'no longer queued (finished or removed since it was selected)' } : await act(copies, message);
      } catch (error) {
        outcome = { message, failed: error as Error };
      }
      outcomes.push(outcome);
      progress(outcomes.length, messages.length, outcome);
    }
    return outcomes;
  }
}
