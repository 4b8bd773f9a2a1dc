// Field checkers for the backupMx context. Each one accepts what a user can
// write (in cdk.json or with -c, where everything is a string) and says what
// it expected and what it got, so error messages read like
// `backupMx.routes[0].primary.port: expected 1–65535, got "abc"`.
import { isIPv4 } from 'node:net';
import { z } from 'zod';
import { FINGERPRINT_EXAMPLE, normalizeFingerprint } from '../../lambdas/core/policy/tls-fingerprint.js';

/** How a bad value is shown in a message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value);
}

/** A whole number in [min, max]; numeric strings ("25") count, "abc" and 2.5 do not. */
export function intIn(min: number, max: number, limitNote?: string) {
  return z.unknown().transform((value, ctx): number => {
    const n =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)
          ? Number(value)
          : Number.NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      const note = limitNote ? ` (${limitNote})` : '';
      ctx.addIssue({ code: 'custom', message: `expected ${min}–${max}${note}, got ${describeValue(value)}` });
      return z.NEVER;
    }
    return n;
  });
}

/** One of a fixed set of words. */
export function oneOf<const T extends readonly string[]>(values: T) {
  return z.unknown().transform((value, ctx): T[number] => {
    if (typeof value === 'string' && values.includes(value)) return value as T[number];
    const list = values.map((v) => `"${v}"`).join(' | ');
    ctx.addIssue({ code: 'custom', message: `expected ${list}, got ${describeValue(value)}` });
    return z.NEVER;
  });
}

/** A string matching a pattern; `what` names the expectation in the message. */
export function matching(pattern: RegExp, what: string, normalize: (s: string) => string = (s) => s) {
  return z.unknown().transform((value, ctx): string => {
    if (typeof value === 'string') {
      const s = normalize(value.trim());
      if (pattern.test(s)) return s;
    }
    ctx.addIssue({ code: 'custom', message: `expected ${what}, got ${describeValue(value)}` });
    return z.NEVER;
  });
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const TLD = '(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})';
const DOMAIN = `(?:${LABEL}\\.)+${TLD}`;
const LOCAL_PART = "[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*";

const lower = (s: string) => s.toLowerCase();

export const domainName = () =>
  matching(new RegExp(`^(?=.{1,253}$)${DOMAIN}$`), 'a domain name such as "example.com"', lower);

export const emailAddress = () =>
  matching(
    new RegExp(`^(?=[^@]{1,64}@)${LOCAL_PART}@(?=.{1,253}$)${DOMAIN}$`, 'i'),
    'an e-mail address such as "alice@example.com"',
    (s) => {
      const at = s.lastIndexOf('@');
      return at < 0 ? s : s.slice(0, at) + s.slice(at).toLowerCase();
    },
  );

const HOST_NAME = new RegExp(`^(?=.{1,253}$)(?:${LABEL}\\.)*${LABEL}$`);
const HOST_EXAMPLES = 'a DNS name such as "mail.example.com" or an IPv4 address such as "192.0.2.10"';

/** Why `host` (trimmed, lower-case) is no host to connect to, with the fix; undefined when it is one. */
export function hostProblem(host: string): string | undefined {
  const shown = JSON.stringify(host);
  // All-numeric labels make an address, never a name (a top-level domain is never
  // all digits, RFC 3696 2): "999.1.1.1" would otherwise pass as a DNS name.
  if (/^[\d.]+$/.test(host)) {
    // net.isIPv4 also refuses leading zeros, which some resolvers read as octal (010 = 8).
    if (isIPv4(host)) return undefined;
    return `${shown} is not an IPv4 address (four numbers 0–255 without leading zeros, separated by dots, such as "192.0.2.10"): correct the address, or give the primary's DNS name`;
  }
  if (HOST_NAME.test(host)) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(host)) return `expected ${HOST_EXAMPLES}, got ${shown}: give the host alone, without a scheme`;
  if (/^[^:]+:\d+$/.test(host)) return `expected ${HOST_EXAMPLES}, got ${shown}: give the host alone and the port in "port"`;
  if (host.includes(':')) return `expected ${HOST_EXAMPLES}, got ${shown}: IPv6 addresses are not supported; give a DNS name of the host (with an A record) or its IPv4 address`;
  return `expected ${HOST_EXAMPLES}, got ${shown}: a name is dot-separated labels of letters, digits and "-" (not at either end of a label), at most 63 characters each and 253 in all`;
}

/** A host to connect to: a DNS name (single labels allowed, for local runs) or an IPv4 address. */
export const hostName = () =>
  z.unknown().transform((value, ctx): string => {
    if (typeof value !== 'string') {
      ctx.addIssue({ code: 'custom', message: `expected ${HOST_EXAMPLES}, got ${describeValue(value)}` });
      return z.NEVER;
    }
    const host = lower(value.trim());
    const problem = hostProblem(host);
    if (problem === undefined) return host;
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  });

/** Route names end up in S3 prefixes, construct ids and SES rule names. */
export const routeName = () =>
  matching(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/, 'a route name of lower-case letters, digits and "-" (at most 32)');

export const stackName = () =>
  matching(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'a CloudFormation stack name (letters, digits, "-", starting with a letter)');

export const ruleSetName = () =>
  matching(
    // SES CreateReceiptRuleSet: ASCII letters, digits, "_" and "-" only; starts and ends with a letter or digit.
    /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62}[A-Za-z0-9])?$/,
    'an SES rule set name (letters, digits, "_", "-", at most 64)',
  );

export const secretName = () =>
  matching(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'a Secrets Manager secret name');

export const regionName = () => matching(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as "us-east-1"');

/** A certificate pin for tls "fingerprint", returned in its canonical form "sha256:AB:CD:…". */
export const tlsFingerprint = () =>
  z.unknown().transform((value, ctx): string => {
    const canonical = typeof value === 'string' ? normalizeFingerprint(value) : undefined;
    if (canonical !== undefined) return canonical;
    ctx.addIssue({ code: 'custom', message: `expected ${FINGERPRINT_EXAMPLE}, got ${describeValue(value)}` });
    return z.NEVER;
  });

/** true or false; "true" and "false" count too (-c gives strings). */
export const flag = () =>
  z.unknown().transform((value, ctx): boolean => {
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    ctx.addIssue({ code: 'custom', message: `expected true or false, got ${describeValue(value)}` });
    return z.NEVER;
  });
