// The recipient push's authentication: the trigger's scheme (HMAC-SHA256,
// Unix timestamp within the window, checked before anything that costs)
// signed over more: the method, the host the push was sent to, the path,
// whether force is asked, the timestamp and a SHA-256 of the body, one line
// each, so a captured signature carries neither another list nor force nor
// another route, nor another stack (each has its own function URL host).
//
// The key is per route: HMAC(stack push key, label + route), what
// `backup-mx recipients push-command <route>` hands the route's primary. The
// stack push key is its own (pushkey#recipients), never the trigger's: every
// primary that calls the trigger holds the trigger key, and must not be able
// to derive a route's push key from it. A primary holding route A's push key
// cannot push route B (the stack push key cannot be recovered from a derived one).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { checkTriggerForm, type SignatureCheck } from '../operator/trigger-signature.js';

const PUSH_KEY_LABEL = 'backup-mx recipients push';

/**
 * How far ahead of our clock a push's timestamp may be. The trigger's window
 * (300 s either way) stays for stale ones; ahead, the push takes much less,
 * because the gate takes only newer timestamps: one push stamped 300 s ahead
 * would refuse every honest push of the route for 5 minutes.
 */
export const PUSH_FUTURE_SKEW_SECONDS = 30;

/** The route's push key (64 hex characters, used as text by `openssl -hmac`), derived from the stack's push key. */
export function routePushKey(stackKey: string, route: string): string {
  return createHmac('sha256', stackKey).update(`${PUSH_KEY_LABEL}\n${route}`).digest('hex');
}

/** Lower-case hex SHA-256 of the body as sent, what `openssl dgst -sha256 -r` prints. */
export const bodyDigest = (body: Uint8Array | string): string => createHash('sha256').update(body).digest('hex');

/** The host as signed: lower case, with the port when the URL names one (what `new URL(url).host` gives). */
export const signedHost = (host: string): string => host.trim().toLowerCase();

/** The signed text: method, host, path, force, timestamp, body digest; one line each. */
export const pushSignedText = (host: string, route: string, force: boolean, timestamp: string, bodySha256: string) =>
  ['POST', signedHost(host), `/${route}/recipients`, `force=${force ? 1 : 0}`, timestamp, bodySha256].join('\n');

export function pushSignature(routeKey: string, host: string, route: string, force: boolean, timestamp: string, bodySha256: string): string {
  return createHmac('sha256', routeKey).update(pushSignedText(host, route, force, timestamp, bodySha256)).digest('hex');
}

export interface SignedPush {
  /** The host the push reached, as this side knows it (never a header the caller chooses). */
  host: string;
  route: string;
  force: boolean;
  timestamp?: string;
  signature?: string;
  /** SHA-256 (hex) of the body as received. */
  bodySha256: string;
}

/** What needs no secret: the trigger's form and window, and at most PUSH_FUTURE_SKEW_SECONDS ahead of `now`. */
export function checkPushForm(timestamp: string | undefined, signature: string | undefined, now: Date): SignatureCheck {
  const form = checkTriggerForm(timestamp, signature, now);
  if (!form.ok) return form;
  const ahead = Number(timestamp) - now.getTime() / 1000;
  if (ahead > PUSH_FUTURE_SKEW_SECONDS) {
    return { ok: false, why: `timestamp is ${Math.round(ahead)} s ahead of our clock (a push may be at most ${PUSH_FUTURE_SKEW_SECONDS} s ahead: set the primary's clock by NTP)` };
  }
  return { ok: true };
}

/** The form check (no secret), then the HMAC with the route's key, compared in constant time. */
export function checkPushSignature(stackKey: string, push: SignedPush, now: Date): SignatureCheck {
  const form = checkPushForm(push.timestamp, push.signature, now);
  if (!form.ok) return form;
  const expected = Buffer.from(pushSignature(routePushKey(stackKey, push.route), push.host, push.route, push.force, push.timestamp!, push.bodySha256), 'hex');
  const given = Buffer.from(push.signature!.toLowerCase(), 'hex');
  if (!timingSafeEqual(expected, given)) return { ok: false, why: 'signature does not match (signed with another route\'s key, another body, another force, or for another host?)' };
  return { ok: true };
}
