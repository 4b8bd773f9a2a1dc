// What the SES stand-in needs from the outside, kept narrow so tests can fake
// each one and the runner can pass the real adapters.

/** Writes the raw message to the bucket (S3MessageStore.put fits). */
export interface RawMessageWriter {
  put(key: string, body: Buffer): Promise<void>;
}

/** Publishes one notification (JSON text) to an SNS topic. */
export type NotificationPublisher = (topicArn: string, message: string) => Promise<void>;

/** Plain lines for a person watching the terminal. */
export interface LineLogger {
  info(line: string): void;
  warn(line: string): void;
}

/** A synced route's stored list (RecipientListStore.read fits): its version and addresses, or none yet. */
export type SyncedListReader = (route: string) => Promise<{ version: number; addresses: string[]; unreadable?: { key: string; reason: string } } | undefined>;
