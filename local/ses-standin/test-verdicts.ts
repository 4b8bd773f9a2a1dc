// The stand-in's verdicts are made up: nothing scans local mail, so every
// message is reported PASS unless the test message asks otherwise, which lets
// a person try the quarantine (virus) and backscatter (spam, SPF, DMARC fail,
// or SPF not PASS without DKIM+DMARC PASS: no DSN to a sender that did not
// authenticate, the refusal recorded as notice suppressed) paths on a laptop:
//   a header   X-BackupMx-Verdicts: virus=FAIL, spf=FAIL   (any of spam, virus,
//              spf, dkim, dmarc = PASS | FAIL | GRAY | PROCESSING_FAILED), or
//   a recipient tag  bob+virus@…, bob+spam@…, bob+spf-fail@…, bob+dkim-fail@…,
//              bob+dmarc-fail@… (FAIL for that verdict, for the whole message,
//              as SES judges a message once).
import type { Verdicts, VerdictStatus } from '../../lambdas/core/model.js';
import type { HeaderField } from '../../lambdas/core/message/header-fields.js';

export const VERDICT_HEADER = 'X-BackupMx-Verdicts';

const NAMES = ['spam', 'virus', 'spf', 'dkim', 'dmarc'] as const;
const STATUSES: VerdictStatus[] = ['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED'];
const TAGS: Record<string, keyof Verdicts> = { spam: 'spam', virus: 'virus', 'spf-fail': 'spf', 'dkim-fail': 'dkim', 'dmarc-fail': 'dmarc' };

export interface VerdictRequest {
  verdicts: Verdicts;
  /** Entries of the header that were not understood (the stand-in says so). */
  ignored: string[];
}

export function requestedVerdicts(base: Verdicts, fields: HeaderField[], recipients: string[]): VerdictRequest {
  const verdicts: Verdicts = { ...base };
  const ignored: string[] = [];
  for (const field of fields) {
    if (field.name.toLowerCase() !== VERDICT_HEADER.toLowerCase()) continue;
    for (const entry of field.value.split(/[\s,;]+/).filter(Boolean)) {
      const [name = '', status = ''] = entry.split('=').map((s) => s.trim());
      const key = NAMES.find((n) => n === name.toLowerCase());
      const value = STATUSES.find((s) => s === status.toUpperCase());
      if (key && value) verdicts[key] = value;
      else ignored.push(entry);
    }
  }
  for (const recipient of recipients) {
    const local = recipient.slice(0, recipient.lastIndexOf('@'));
    for (const tag of local.split('+').slice(1)) {
      const key = TAGS[tag.toLowerCase()];
      if (key) verdicts[key] = 'FAIL';
    }
  }
  return { verdicts, ignored };
}

/** "virus FAIL, spf FAIL" for the verdicts that are not PASS, or undefined. */
export function describeVerdicts(verdicts: Verdicts): string | undefined {
  const notPass = NAMES.filter((n) => verdicts[n] !== 'PASS').map((n) => `${n} ${verdicts[n]}`);
  return notPass.length > 0 ? notPass.join(', ') : undefined;
}
