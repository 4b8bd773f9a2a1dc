// The header block put above a stored message before delivery: our Received
// trace, and for a route with `arc` the ARC set (RFC 8617) sealing it. The
// seal needs the whole message (the body hash), and the message must not be
// held in memory (up to 40 MB), so the object is read twice: once here,
// streamed through the sealer, and once more, streamed to the primary.
import { authResultsMailFrom } from './header-values.js';
import { prependToStream } from './message-head.js';
import type { InboundMessage, Route, VerdictStatus } from '../model.js';
import type { DeliveryLog } from '../runtime/ports.js';
import type { MessageSealer, MessageStore } from './ports.js';

/** authserv-id of the results SES computed (as in the Authentication-Results SES writes). */
export const SES_AUTHSERV_ID = 'amazonses.com';

/** SES verdict → RFC 8601 result; DISABLED means the check was not run. */
function result(verdict: VerdictStatus): string | undefined {
  switch (verdict) {
    case 'PASS':
      return 'pass';
    case 'FAIL':
      return 'fail';
    case 'GRAY':
      return 'none';
    case 'PROCESSING_FAILED':
      return 'temperror';
    default:
      return undefined;
  }
}

/**
 * The ARC-Authentication-Results value from SES's verdicts in the notification
 * (never from headers in the message, which a sender could have written). The
 * one value a sender chose, the MAIL FROM, goes in only in the RFC 8601 form
 * (header-values.ts), or not at all.
 */
export function sesAuthResults(message: InboundMessage): string {
  const parts = [SES_AUTHSERV_ID];
  const spf = result(message.verdicts.spf);
  const mailFrom = message.sender ? authResultsMailFrom(message.sender) : undefined;
  if (spf) parts.push(mailFrom ? `spf=${spf} smtp.mailfrom=${mailFrom}` : `spf=${spf}`);
  const dkim = result(message.verdicts.dkim);
  if (dkim) parts.push(`dkim=${dkim}`);
  const dmarc = result(message.verdicts.dmarc);
  if (dmarc) parts.push(`dmarc=${dmarc}`);
  return parts.join(';\r\n ');
}

export interface SealDeps {
  store: MessageStore;
  sealer?: MessageSealer;
  log: DeliveryLog;
}

/**
 * `trace`, or the ARC set + `trace` for a route with `arc`. Never throws: when
 * sealing fails the message goes out unsealed (the primary judges it as it
 * would any hop; DKIM is intact) and the failure is logged as an error, since
 * holding mail back for a missing seal would risk it expiring.
 */
export async function deliveryPrefix(deps: SealDeps, route: Route, message: InboundMessage, trace: string, newline: '\r\n' | '\n'): Promise<string> {
  if (!route.arc) return trace;
  const fields = { route: route.name, messageId: message.messageId, domain: route.arc.domain, selector: route.arc.selector };
  if (!deps.sealer) {
    deps.log.warn('ARC sealing is configured but no sealer is wired; delivering without the seal', fields);
    return trace;
  }
  try {
    const opened = await deps.store.open(message.objectKey);
    const seal = await deps.sealer.seal(prependToStream(trace, opened.body), { ...route.arc, authResults: sesAuthResults(message) });
    if (seal === '') deps.log.info('the message carries an ARC chain that does not validate: not sealed', fields);
    return (newline === '\n' ? seal.replace(/\r\n/g, '\n') : seal) + trace;
  } catch (error) {
    deps.log.error('ARC sealing failed; delivering without the seal', { ...fields, error: (error as Error).message });
    return trace;
  }
}
