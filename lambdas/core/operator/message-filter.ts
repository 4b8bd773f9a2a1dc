// The filter `mailq`, `delete` and `requeue` take (and the console's queue
// page will): parsed and checked once, with errors that name the flag and the
// fix, then matched against a message's envelope, age, subject and SES
// verdicts. The criteria are ANDed. It only selects: the envelope still decides
// where mail goes (ARCHITECTURE.md invariant 2), so matching can be lenient
// about case where routing never is.
import { isDomainName, isMailbox } from '../message/mail-address.js';

export const VERDICT_NAMES = ['spam', 'virus', 'spf', 'dkim', 'dmarc'] as const;
export type VerdictName = (typeof VERDICT_NAMES)[number];

/**
 * The values a verdict can have: SES's statuses (the notification's, what a
 * dead letter carries), and the RFC 8601 results the stored
 * Authentication-Results header may carry for spf/dkim/dmarc (what `show`
 * prints for a queued message, whose head is the only place they are kept).
 */
export const VERDICT_VALUES = ['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED', 'DISABLED', 'NONE', 'SOFTFAIL', 'NEUTRAL', 'TEMPERROR', 'PERMERROR', 'POLICY'] as const;

/** The flags as typed (strings; --verdict may repeat). */
export interface FilterInput {
  sender?: string;
  senderDomain?: string;
  recipient?: string;
  olderThan?: string;
  verdict?: string[];
  subject?: string;
}

export interface VerdictCriterion {
  name: VerdictName;
  /** Any of these (upper case). */
  values: string[];
}

/** A checked filter; an absent field matches everything. */
export interface MessageFilter {
  /** The envelope sender, lower case; '' is the null sender <>. */
  sender?: string;
  /** The envelope sender's domain, lower case (that domain exactly, not its subdomains). */
  senderDomain?: string;
  /** One of the envelope recipients, lower case. */
  recipient?: string;
  /** Received at least this long ago. */
  olderThanSeconds?: number;
  /** Every criterion must hold. */
  verdicts: VerdictCriterion[];
  /** A substring of the subject, lower case. */
  subject?: string;
}

/** A flag's value the filter refuses; the message names the flag and what it takes. */
export class FilterError extends Error {
  constructor(
    readonly flag: string,
    detail: string,
  ) {
    super(`${flag}: ${detail}`);
    this.name = 'FilterError';
  }
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 };

/** `90m`, `6h`, `3d`, `2w` (also `30s`) in seconds: the ages the CLI's --since takes, plus weeks. */
export function parseAge(flag: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(value.trim());
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[match[2]!]! : NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) throw new FilterError(flag, `expected an age such as 90m, 2h, 3d or 1w; got ${JSON.stringify(value)}`);
  return seconds;
}

export function parseMessageFilter(input: FilterInput): MessageFilter {
  const filter: MessageFilter = { verdicts: [] };
  if (input.sender !== undefined) filter.sender = address('--sender', input.sender, true);
  if (input.recipient !== undefined) filter.recipient = address('--recipient', input.recipient, false);
  if (input.senderDomain !== undefined) {
    const domain = input.senderDomain.trim().replace(/^@/, '').replace(/\.$/, '');
    if (!isDomainName(domain)) throw new FilterError('--sender-domain', `expected a domain such as example.org; got ${JSON.stringify(input.senderDomain)}`);
    filter.senderDomain = domain.toLowerCase();
  }
  if (input.olderThan !== undefined) filter.olderThanSeconds = parseAge('--older-than', input.olderThan);
  for (const v of input.verdict ?? []) filter.verdicts.push(verdict(v));
  if (input.subject !== undefined) {
    if (input.subject.trim() === '') throw new FilterError('--subject', 'expected some text to look for in the subject; got an empty string');
    filter.subject = input.subject.toLowerCase();
  }
  return filter;
}

/** True when the filter has at least one criterion (an empty one would select every message). */
export function isFiltering(filter: MessageFilter): boolean {
  return (
    filter.sender !== undefined ||
    filter.senderDomain !== undefined ||
    filter.recipient !== undefined ||
    filter.olderThanSeconds !== undefined ||
    filter.verdicts.length > 0 ||
    filter.subject !== undefined
  );
}

/** What a message offers the filter without reading its stored head. */
export interface EnvelopeFacts {
  sender: string;
  recipients: string[];
  receivedAt?: Date;
  subject?: string;
}

/** Every criterion but the verdicts (which may cost a read of the stored object: see select-messages.ts). */
export function matchesEnvelope(filter: MessageFilter, facts: EnvelopeFacts, now: Date): boolean {
  const sender = facts.sender.toLowerCase();
  if (filter.sender !== undefined && sender !== filter.sender) return false;
  if (filter.senderDomain !== undefined && (!sender.includes('@') || sender.slice(sender.lastIndexOf('@') + 1) !== filter.senderDomain)) return false;
  if (filter.recipient !== undefined && !facts.recipients.some((r) => r.toLowerCase() === filter.recipient)) return false;
  if (filter.olderThanSeconds !== undefined) {
    // A message of unknown age is not known to be old: never selected by age.
    if (!facts.receivedAt || now.getTime() - facts.receivedAt.getTime() < filter.olderThanSeconds * 1000) return false;
  }
  if (filter.subject !== undefined && !(facts.subject ?? '').toLowerCase().includes(filter.subject)) return false;
  return true;
}

/** The verdict criteria against the message's verdicts; a verdict the message lacks matches nothing. */
export function matchesVerdicts(filter: MessageFilter, verdicts: Record<string, string>): boolean {
  return filter.verdicts.every((c) => {
    const value = verdicts[c.name];
    return value !== undefined && c.values.includes(value.toUpperCase());
  });
}

/** The filter in words, for "nothing matches sender-domain example.org, older than 2h". */
export function describeFilter(filter: MessageFilter): string {
  const parts: string[] = [];
  if (filter.sender !== undefined) parts.push(`sender <${filter.sender}>`);
  if (filter.senderDomain !== undefined) parts.push(`sender domain ${filter.senderDomain}`);
  if (filter.recipient !== undefined) parts.push(`recipient <${filter.recipient}>`);
  if (filter.olderThanSeconds !== undefined) parts.push(`older than ${ageText(filter.olderThanSeconds)}`);
  for (const v of filter.verdicts) parts.push(`${v.name}=${v.values.join('|')}`);
  if (filter.subject !== undefined) parts.push(`subject containing ${JSON.stringify(filter.subject)}`);
  return parts.join(', ');
}

/** 7200 → "2h": the largest unit the age is a whole number of. */
function ageText(seconds: number): string {
  const [unit, size] = Object.entries(UNIT_SECONDS).reverse().find(([, size]) => seconds % size === 0) ?? ['s', 1];
  return `${seconds / size}${unit}`;
}

function address(flag: string, value: string, nullAllowed: boolean): string {
  const bare = value.trim().replace(/^<(.*)>$/, '$1');
  if (nullAllowed && bare === '') return '';
  if (!isMailbox(bare)) {
    const nullSender = nullAllowed ? ' (or <> for the null sender of bounces)' : '';
    throw new FilterError(flag, `expected an envelope address such as alice@example.org${nullSender}; got ${JSON.stringify(value)}`);
  }
  return bare.toLowerCase();
}

function verdict(value: string): VerdictCriterion {
  const names = VERDICT_NAMES.join('|');
  const match = /^\s*([a-z]+)\s*=\s*([A-Za-z_,|]+)\s*$/i.exec(value);
  if (!match) throw new FilterError('--verdict', `expected <${names}>=<value>, e.g. spam=FAIL or spf=FAIL,SOFTFAIL; got ${JSON.stringify(value)}`);
  const name = match[1]!.toLowerCase();
  if (!(VERDICT_NAMES as readonly string[]).includes(name)) throw new FilterError('--verdict', `unknown verdict ${JSON.stringify(match[1])}: one of ${VERDICT_NAMES.join(', ')}`);
  const values = match[2]!.split(/[,|]/).map((v) => v.toUpperCase());
  const unknown = values.find((v) => !(VERDICT_VALUES as readonly string[]).includes(v));
  if (unknown !== undefined) throw new FilterError('--verdict', `unknown value ${JSON.stringify(unknown)} for ${name}: one of ${VERDICT_VALUES.join(', ')}`);
  return { name: name as VerdictName, values };
}
