// How big a pushed body may be, derived from the route's address budget and
// bounded by what a Lambda function URL carries (BUFFERED invoke mode: 6 MB of
// request payload, the event's JSON included; AWS Lambda quotas). A body over
// the cap is answered 413 before it is parsed.

/** The longest line a list can need: 64-octet local part, @, 255-octet domain, CRLF (RFC 5321 §4.5.3.1). */
export const MAX_LINE_BYTES = 64 + 1 + 255 + 2;
/** A function URL's request payload limit (BUFFERED), in bytes. */
export const FUNCTION_URL_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** Left for the rest of the event (headers, request context, JSON quoting). */
const EVENT_HEADROOM_BYTES = 64 * 1024;
/** The most a body may be on any route: what fits in a function URL's payload with the event around it. */
export const MAX_PUSH_BODY_BYTES = FUNCTION_URL_PAYLOAD_BYTES - EVENT_HEADROOM_BYTES;

/** The body cap of a route whose budget is `maxAddresses`: every address at its longest, never past the function URL's limit. */
export function pushBodyLimit(maxAddresses: number): number {
  return Math.min(maxAddresses * MAX_LINE_BYTES, MAX_PUSH_BODY_BYTES);
}

/**
 * The shortest time between two pushes of one route the gate lets through.
 * Each stored list makes the rule writer call SES, whose receipt-rule API
 * takes about one call a second for the whole account: a route's key pushing
 * every second would keep it busy for every other rule write. A refused push
 * takes its minute too (the gate is claimed before the list is read); the 429
 * says when to come back (Retry-After).
 */
export const PUSH_MIN_INTERVAL_SECONDS = 60;
