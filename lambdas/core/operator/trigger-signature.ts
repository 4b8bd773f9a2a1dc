// The trigger's authentication: an HMAC-SHA256 over the route and a Unix
// timestamp, with a secret the primary and backup-mx share. The timestamp must
// be within the window of our clock, either way, and newer than the route's
// last accepted call (the gate, trigger-drain.ts), so a captured request is
// worthless once used and a stale or future one is refused before the secret
// is even read.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a request's timestamp may be from our clock, either way. */
export const TRIGGER_WINDOW_SECONDS = 300;

/** The signed text: route and timestamp, one line each, so neither can be swapped for another. */
export const signedText = (route: string, timestamp: string) => `${route}\n${timestamp}`;

/** Lower-case hex HMAC-SHA256, what `openssl dgst -sha256 -hmac` prints. */
export function triggerSignature(secret: string, route: string, timestamp: string): string {
  return createHmac('sha256', secret).update(signedText(route, timestamp)).digest('hex');
}

export type SignatureCheck = { ok: true } | { ok: false; why: string };

/**
 * What needs no secret: both headers well-formed and the timestamp within
 * TRIGGER_WINDOW_SECONDS of `now`, in the past or in the future.
 */
export function checkTriggerForm(timestamp: string | undefined, signature: string | undefined, now: Date): SignatureCheck {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, why: 'missing or malformed timestamp (Unix seconds)' };
  if (!signature || !/^[0-9a-fA-F]{64}$/.test(signature)) return { ok: false, why: 'missing or malformed signature (64 hex digits)' };
  const skew = Number(timestamp) - now.getTime() / 1000;
  if (Math.abs(skew) > TRIGGER_WINDOW_SECONDS) {
    return { ok: false, why: `timestamp is ${Math.round(Math.abs(skew))} s ${skew > 0 ? 'ahead of' : 'behind'} our clock (window ${TRIGGER_WINDOW_SECONDS} s either way)` };
  }
  return { ok: true };
}

/** checkTriggerForm, then the HMAC over route and timestamp, compared in constant time. */
export function checkTriggerSignature(secret: string, route: string, timestamp: string | undefined, signature: string | undefined, now: Date): SignatureCheck {
  const form = checkTriggerForm(timestamp, signature, now);
  if (!form.ok) return form;
  const expected = Buffer.from(triggerSignature(secret, route, timestamp!), 'hex');
  const given = Buffer.from(signature!.toLowerCase(), 'hex');
  if (!timingSafeEqual(expected, given)) return { ok: false, why: 'signature does not match' };
  return { ok: true };
}
