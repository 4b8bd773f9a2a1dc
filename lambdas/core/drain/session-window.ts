// How many SMTP sessions a drain may have open to one primary, adjusted the way
// Postfix's queue manager adjusts a destination's concurrency: start at a few
// (initial_destination_concurrency = 5), grow by 1/N per delivered message up
// to the limit (default_destination_concurrency_limit = 20), and shrink when
// the primary pushes back: a refused connection or a 421 greeting while other
// sessions work says "this many, not more", a 421 inside a session "fewer".
export const DEFAULT_MAX_SESSIONS = 20;
export const INITIAL_SESSIONS = 5;

export class SessionWindow {
  private window: number;

  constructor(
    readonly maxSessions: number = DEFAULT_MAX_SESSIONS,
    initialSessions: number = INITIAL_SESSIONS,
  ) {
    if (!Number.isInteger(maxSessions) || maxSessions < 1) throw new RangeError(`maxSessions must be a positive integer, not ${maxSessions}`);
    this.window = Math.min(maxSessions, Math.max(1, initialSessions));
  }

  /** Sessions that may be open now. */
  get allowed(): number {
    return Math.floor(this.window);
  }

  /** A message went through: one more session after about `allowed` successes (slow start). */
  delivered(): void {
    if (this.window < this.maxSessions) this.window = Math.min(this.maxSessions, this.window + 1 / this.allowed);
  }

  /**
   * A new session was refused (connection refused, 421 or no greeting) while
   * `openSessions` others are open: the primary takes that many, so that is the
   * window until deliveries grow it again. With none open it is an outage, not
   * a limit: the window is left alone and the caller reports the failure.
   */
  refused(openSessions: number): void {
    if (openSessions > 0) this.window = Math.max(1, Math.min(this.window, openSessions));
  }

  /** A 421 on a working session (the primary sheds load): one session fewer. */
  throttled(): void {
    this.window = Math.max(1, this.window - 1);
  }
}
