// A message's forwards (`backup-mx forward`, the console's Forward): each one
// is kept beside the message's ledger rows so `show` and the console's message
// page list it with the delivery attempts. Written only by an operator's
// forward, read only by `show`; the drain never reads one.

/** One forward of a message, as it was sent. */
export interface ForwardRecord {
  messageId: string;
  /** The route whose copy was forwarded. */
  route: string;
  at: Date;
  /** The one address it went to. */
  to: string;
  /** What the forwarder said it sent: SES's message id, or the local outbox file; absent when it said nothing. */
  sentAs?: string;
  /** Who forwarded it (the CLI's user, the console). */
  by: string;
}

/** The forwards of each message: a record per forward, kept as long as the message's ledger rows. */
export interface ForwardRecords {
  /** Adds one forward; a second forward at the same time to the same address is the same record. */
  add(record: ForwardRecord): Promise<void>;
  /** The message's forwards on every route, oldest first; [] when it has none. */
  list(messageId: string): Promise<ForwardRecord[]>;
  /** Forgets the message's forwards on `route` (`delete`, with its ledger rows); returns how many went. */
  remove(messageId: string, route: string): Promise<number>;
}
