// The recipient push's authentication: the trigger's scheme (HMAC-SHA256,
// Unix timestamp within the window, checked before anything that costs)
// signed over more: the method and path, whether force is asked, the timestamp
// and a SHA-256 of the body, one line each, so a captured signature carries
// neither another list nor force nor another route.
//
// The key is per route: HMAC(stack key, label + route), what
// `backup-mx recipients push-command <route>` hands the route's primary. A
// primary holding route A's push key cannot push route B, nor call the
// trigger with it (the stack key cannot be recovered from a derived one).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { checkTriggerForm, type SignatureCheck } from '../operator/trigger-signature.js';

const PUSH_KEY_LABEL = 'backup-mx recipients push';

/** The route's push key (64 hex characters, used as text by `openssl -hmac`), derived from the stack's trigger key. */
export function routePushKey(stackKey: string, route: string): string {
  return createHmac('sha256', stackKey).update(`${PUSH_KEY_LABEL}\n${route}`).digest('hex');
}

/** Lower-case hex SHA-256 of the body as sent, what `openssl dgst -sha256 -r` prints. */
export const bodyDigest = (body: Uint8Array | string): string => createHash('sha256').update(body).digest('hex');

/** The signed text: method, path, force, timestamp, body digest; one line each. */
export const pushSignedText = (route: string, force: boolean, timestamp: string, bodySha256: string) =>
  ['POST', `/${route}/recipients`, `force=${force ? 1 : 0}`, timestamp, bodySha256].join('\n');

export function pushSignature(routeKey: string, route: string, force: boolean, timestamp: string, bodySha256: string): string {
  return createHmac('sha256', routeKey).update(pushSignedText(route, force, timestamp, bodySha256)).digest('hex');
}

export interface SignedPush {
  route: string;
  force: boolean;
  timestamp?: string;
  signature?: string;
  /** SHA-256 (hex) of the body as received. */
  bodySha256: string;
}

/** The trigger's form check (no secret), then the HMAC with the route's key, compared in constant time. */
export function checkPushSignature(stackKey: string, push: SignedPush, now: Date): SignatureCheck {
  const form = checkTriggerForm(push.timestamp, push.signature, now);
  if (!form.ok) return form;
  const expected = Buffer.from(pushSignature(routePushKey(stackKey, push.route), push.route, push.force, push.timestamp!, push.bodySha256), 'hex');
  const given = Buffer.from(push.signature!.toLowerCase(), 'hex');
  if (!timingSafeEqual(expected, given)) return { ok: false, why: 'signature does not match (signed with another route\'s key, another body, or another force?)' };
  return { ok: true };
}
