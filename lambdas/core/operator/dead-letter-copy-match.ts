// Which DLQ copy stands for which dead letter: the rule requeue and delete
// remove copies by, shared by the SQS adapter and its fake so both decide alike.
import type { DeadLetterCopyKey } from './mail-ports.js';

/** What a DLQ copy tells about itself: its attributes, else its body. */
export interface DeadLetterCopyFacts {
  messageId?: string | undefined;
  route?: string | undefined;
  objectKey?: string | undefined;
  copy?: string | undefined;
  /** When its record was put (the deadLetteredAt attribute). */
  at?: Date;
}

/** `routePrefix` names where a route's raw mail is kept (`mail/<route>/`): a redriven copy names its route only there. */
export function isCopyOf(copy: DeadLetterCopyFacts, key: DeadLetterCopyKey, routePrefix: (route: string) => string): boolean {
  if (copy.messageId !== key.messageId) return false;
  // An invalid time (a hand-made copy) compares false: it matches like a copy with none.
  if (key.writtenUpTo !== undefined && copy.at !== undefined && copy.at.getTime() > key.writtenUpTo.getTime()) return false;
  if (key.copy !== undefined && copy.copy !== undefined && copy.copy !== key.copy) return false;
  if (key.route === undefined || copy.route === key.route) return true;
  if (copy.route !== undefined) return false;
  return copy.objectKey === undefined || copy.objectKey.startsWith(routePrefix(key.route));
}
