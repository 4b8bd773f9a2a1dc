// Port of the hourly watch on queues no route uses (sweep/find-orphaned-queues.ts)
// and of `adopt`: the account's queues by name, with their depth and tags.


/** Approximate message counts of one queue (SQS GetQueueAttributes). */
export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

/** The account's queues by name, for the watch on queues no route uses any more and for `adopt`. */
export interface QueueDirectory {
  /**
   * URLs of every queue whose name starts with `prefix` (case-sensitive), page
   * by page. Eventually consistent: a queue made or deleted a moment ago may be
   * missing or still listed.
   */
  list(prefix: string): AsyncIterable<string>;
  /** The queue's approximate counts; undefined when it no longer exists. */
  depth(url: string): Promise<QueueDepth | undefined>;
  /** The queue's tags (core/sweep/queue-owner.ts says whose it is); undefined when it no longer exists. */
  tags(url: string): Promise<Record<string, string> | undefined>;
}
