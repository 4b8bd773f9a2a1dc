// Where raw mail lives in the bucket, shared by the stack, the SES stand-in
// and the tools: `mail/<route>/<messageId>` (SES appends the id to the prefix).
export const MAIL_PREFIX = 'mail/';
export const routePrefix = (route: string) => `${MAIL_PREFIX}${route}/`;
/**
 * Where SES stores the canary (lib/constructs/inbound-rules.ts): under the mail
 * prefix (same bucket policy and reads) but no route's, so the hourly look for
 * mail that was never queued, which lists route prefixes, never meets it.
 * Route names cannot start with "_".
 */
export const CANARY_PREFIX = `${MAIL_PREFIX}_canary/`;
/**
 * Where the bodies of synced recipient lists live (`recipient-lists/<route>/…`):
 * outside the mail prefix, so no lifecycle rule expires them and SES (allowed
 * only under `mail/`) cannot write them.
 */
export const RECIPIENT_LISTS_PREFIX = 'recipient-lists/';
