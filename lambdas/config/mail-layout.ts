// Where raw mail lives in the bucket, shared by the stack, the SES stand-in
// and the tools: `mail/<route>/<messageId>` (SES appends the id to the prefix).
export const MAIL_PREFIX = 'mail/';
export const routePrefix = (route: string) => `${MAIL_PREFIX}${route}/`;
