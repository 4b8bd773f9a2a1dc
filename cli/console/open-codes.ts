// The one-time codes `console --open` hands the browser instead of the token:
// the opener's command line (and a browser it starts) can be read by other
// local users (`ps`), so what it carries is dead after its first use or a
// minute, whichever comes first. A code is its own random value, never derived
// from the token, and is kept only as a hash.
import { createHash, randomBytes } from 'node:crypto';

/** How long a code waits for the browser to present it. */
export const OPEN_CODE_TTL_MS = 60_000;

const digest = (code: string) => createHash('sha256').update(code, 'utf8').digest('base64url');

export class OneTimeCodes {
  /** hash of a code → when it was issued. */
  private readonly issued = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A new code, valid once within OPEN_CODE_TTL_MS. */
  issue(): string {
    const code = randomBytes(32).toString('base64url');
    this.issued.set(digest(code), this.now());
    return code;
  }

  /**
   * True once for a code issued less than OPEN_CODE_TTL_MS ago; the code is
   * gone after that call whatever it answers. Looked up by its hash, so the
   * lookup's timing says nothing about a code's characters.
   */
  redeem(code: string): boolean {
    const now = this.now();
    for (const [key, at] of this.issued) if (now - at >= OPEN_CODE_TTL_MS) this.issued.delete(key);
    const key = digest(code);
    const at = this.issued.get(key);
    this.issued.delete(key);
    return at !== undefined && now - at < OPEN_CODE_TTL_MS;
  }
}
