// Ports of the notice stage: each route's hourly budget of notices, the
// notices held for the operator, and the switch of the SES configuration set
// the notices go through. Same rules as every port: each has an in-memory fake
// and a real adapter, and one contract suite runs on both.

/** A DSN (bounced or expired recipients) or a delay warning (RFC 3464 action=delayed). */
export type HeldNoticeKind = 'dsn' | 'delay';

/** Why a notice the policy allows did not go: the route's hour was spent, or SES sending was paused. */
export type HoldReason = 'budget' | 'paused';

/** A notice kept for the operator (`backup-mx notices`), complete and ready to send. */
export interface HeldNotice {
  route: string;
  messageId: string;
  /** Which copy of the message (core/message/message-copy). */
  copy: string;
  kind: HeldNoticeKind;
  /** When it was held. */
  at: Date;
  why: HoldReason;
  /** The original envelope sender: where the notice goes (MAIL FROM:<>). */
  to: string;
  /** The recipients it reports. */
  recipients: string[];
  /** The whole notice as it would have been sent. */
  raw: string;
}

/** A held notice without its text: what `list` returns (small, whatever the notice's size). */
export type HeldNoticeSummary = Omit<HeldNotice, 'raw'>;

/**
 * Notices held for the operator (DynamoDB). The text (up to ~70 KB: the
 * original header block) is kept apart from the summary, so listing and
 * counting never read it: the probe counts every minute.
 */
export interface HeldNotices {
  /**
   * Keeps the notice until the operator sends or discards it. Holding the same
   * notice (route, message id, copy, kind) again replaces it: one is kept.
   * Once it resolves, `count` and `list` include it; if it rejects, the notice
   * may not be held (the caller dead-letters).
   */
  hold(notice: HeldNotice): Promise<void>;
  /** The route's held notices without their text, oldest first. */
  list(route: string): Promise<HeldNoticeSummary[]>;
  /** The whole text of one held notice, as it would have been sent; undefined when it is not held. */
  text(route: string, messageId: string, copy: string, kind: HeldNoticeKind): Promise<string | undefined>;
  /** How many the route holds (the probe's HeldNotices gauge, which the alarm reads), reading no notice's text. */
  count(route: string): Promise<number>;
  /** Forgets one, summary and text (after it was sent or discarded); succeeds when it is not held. */
  remove(route: string, messageId: string, copy: string, kind: HeldNoticeKind): Promise<void>;
}

/** Each route's notices per UTC hour (DynamoDB conditional counter). */
export interface NoticeBudget {
  /**
   * Takes one of the route's `perHour` notices for the UTC hour `now` falls in:
   * true when one was left; false, taking nothing, when all are spent. A
   * conditional write, so drains running at once never take more than `perHour`.
   */
  take(route: string, now: Date, perHour: number): Promise<boolean>;
  /** How many the route took in the hour `now` falls in (for the CLI). */
  used(route: string, now: Date): Promise<number>;
}

/** The switch of the SES configuration set the notices go through (never the account's). */
export interface NoticeSending {
  /** The configuration set's name, for messages. */
  readonly name: string;
  /** Whether SES sends mail that uses it. */
  enabled(): Promise<boolean>;
  /** Lets SES send through it again (true) or pauses it (false). */
  setEnabled(enabled: boolean): Promise<void>;
}

/** The reputation alarms whose ALARM state pauses the notices' configuration set (CloudWatch). */
export interface NoticeAlarms {
  /** Their names, for messages. */
  readonly names: readonly string[];
  /**
   * The names of those in ALARM now (empty: none is). Rejects when one cannot
   * be read or is missing: an alarm nobody can see is never taken as "fine".
   */
  firing(): Promise<string[]>;
}
