// Port of the loop guard's address check (policy/loop-guard.ts).
import type { PrimaryServer } from '../model.js';

/** The loop guard on a primary's resolved address (see core/policy/loop-guard). */
export interface PrimaryAddressGuard {
  /** Why delivering to `primary` would loop back to us, or undefined when it would not (also when DNS cannot tell). */
  refusal(primary: PrimaryServer): Promise<string | undefined>;
}
