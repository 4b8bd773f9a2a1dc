// Ports of the message itself: its raw bytes as SES stored them, and the ARC
// seal put above them. Each port has an in-memory fake (adapters/fakes) and a
// real adapter; one contract suite per port runs on both (test/contracts).
import type { Readable } from 'node:stream';

/** Raw message bytes (S3). */
export interface MessageStore {
  /**
   * Opens the object for streaming. Throws MessageMissingError when it does
   * not exist; any other error is transient.
   */
  open(key: string): Promise<{ body: Readable; size: number }>;
  /** Size in bytes, or undefined when the object does not exist. */
  size(key: string): Promise<number | undefined>;
  /** Removes the object; succeeds when it is already gone. */
  remove(key: string): Promise<void>;
  /**
   * Every object under `prefix` with when it was stored, page by page.
   * Optional: without it no sweep for objects that were never queued runs.
   */
  list?(prefix: string): AsyncIterable<StoredObject>;
}

export interface StoredObject {
  key: string;
  lastModified: Date;
}

/** Thrown by MessageStore.open when the object does not exist. */
export class MessageMissingError extends Error {
  constructor(readonly key: string) {
    super(`message object not found: ${key}`);
    this.name = 'MessageMissingError';
  }
}

/** What one ARC seal needs besides the message. */
export interface SealRequest {
  domain: string;
  selector: string;
  keySecretName: string;
  /** The ARC-Authentication-Results value after "i=N; " (authserv-id; results). */
  authResults: string;
}

/** ARC sealing (RFC 8617) of a message about to be delivered. */
export interface MessageSealer {
  /**
   * Reads `content` (the message exactly as it will follow the seal) to the end
   * and returns the header fields to put above it (ARC-Seal, ARC-Message-Signature,
   * ARC-Authentication-Results, each ending in CRLF), or '' when the message must
   * not be sealed (it carries an ARC chain that does not validate). Rejects when
   * it cannot seal (key missing or unusable).
   */
  seal(content: Readable, request: SealRequest): Promise<string>;
}
