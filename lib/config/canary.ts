// The canary: a message the stack sends itself through SES receiving every
// `intervalMinutes` (default hourly), to an address under a subdomain whose
// only MX is this region's SES inbound endpoint; its arrival is measured and
// it is dropped before delivery (lambdas/core/canary). `"canary": false`
// switches it off. The probe's StackProblems (canary-missing) fires when none
// arrives in `intervalMinutes` + CANARY_LATE_MINUTES.
import { z } from 'zod';
import { domainName, intIn } from './field-schemas.js';
import { formatZodIssue } from './format-issue.js';

export const CANARY_DEFAULT_INTERVAL_MINUTES = 60;
/** Below this the SES sends and receives cost more than the rest of an idle stack. */
export const CANARY_MIN_INTERVAL_MINUTES = 5;
/** Twice a day at least: a canary rarer than that proves little. */
export const CANARY_MAX_INTERVAL_MINUTES = 720;
/** A canary this much later than its interval counts as missing (core/canary/canary-timing.ts). */
export { CANARY_LATE_MINUTES } from '../../lambdas/core/canary/canary-timing.js';
/** The canary address is `canary@<canary domain>`: sender and recipient alike. */
export const CANARY_LOCAL_PART = 'canary';

const canaryObject = z.strictObject({
  intervalMinutes: intIn(CANARY_MIN_INTERVAL_MINUTES, CANARY_MAX_INTERVAL_MINUTES, 'a canary at most every 5 minutes, at least twice a day').default(CANARY_DEFAULT_INTERVAL_MINUTES),
  /** Default canary.<first domain of the first route>. Its only MX must be SES inbound of the stack's region. */
  domain: domainName().optional(),
});

/** `"canary": false` (off), or `{ "intervalMinutes": 60, "domain": "canary.example.com" }`; absent: on, hourly. */
export const canarySchema = z.unknown().optional().transform((value, ctx): false | z.output<typeof canaryObject> => {
  if (value === false || value === 'false') return false;
  const parsed = canaryObject.safeParse(value ?? {}, { reportInput: true });
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const message = value !== null && typeof value === 'object' ? formatZodIssue(issue) : 'expected false or an object like { "intervalMinutes": 60 }';
    ctx.addIssue({ code: 'custom', message, path: issue.path });
  }
  return z.NEVER;
});

export interface CanaryConfig {
  intervalMinutes: number;
  domain: string;
  address: string;
}

/** The canary with its domain filled in; false when switched off. */
export function resolveCanary(parsed: z.output<typeof canarySchema>, routes: { domains: string[] }[]): CanaryConfig | false {
  if (parsed === false) return false;
  const domain = parsed.domain ?? `canary.${routes[0]!.domains[0]!}`;
  return { intervalMinutes: parsed.intervalMinutes, domain, address: `${CANARY_LOCAL_PART}@${domain}` };
}

/** The canary domain must be its own: no route may receive its mail. */
export function canaryProblems(canary: CanaryConfig | false, routes: { domains: string[] }[]): string[] {
  if (!canary) return [];
  const owner = routes.findIndex((route) => route.domains.includes(canary.domain));
  if (owner < 0) return [];
  return [
    `backupMx.canary.domain: "${canary.domain}" is a domain of routes[${owner}]; the canary needs a subdomain of its own whose only MX is SES (e.g. "canary.${canary.domain}"), or set "canary": false`,
  ];
}
