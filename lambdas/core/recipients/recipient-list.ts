// A pushed list as SES will match it: each line trimmed, the domain lower-cased
// (SES compares recipients case-insensitively, so "Bob@x" and "bob@x" are one
// entry and the first spelling is kept), blank lines and # comments skipped,
// sorted so an unchanged list compares equal. Only plain addresses: no quoted
// local part and at most 64 octets before the @ (RFC 5321's limit, as synth
// checks `recipients`), so every stored entry is one SES takes in a rule.
import { isMailbox, splitMailbox } from '../message/mail-address.js';

/** RFC 5321 §4.5.3.1.1: a local part of at most 64 octets. */
const MAX_LOCAL_PART = 64;

export interface ParsedRecipientList {
  addresses: string[];
  /** Lines that are not a mailbox, as given (the push is refused naming the first few). */
  invalid: string[];
}

export function normaliseRecipients(lines: readonly string[]): ParsedRecipientList {
  const seen = new Map<string, string>();
  const invalid: string[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const parts = splitMailbox(line);
    if (!parts || !isMailbox(line) || parts.local.startsWith('"') || parts.local.length > MAX_LOCAL_PART) {
      invalid.push(line);
      continue;
    }
    const address = `${parts.local}@${parts.domain.toLowerCase()}`;
    const key = address.toLowerCase();
    if (!seen.has(key)) seen.set(key, address);
  }
  return { addresses: [...seen.values()].sort(), invalid };
}

/** The address's domain, lower-cased. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** What a new list changes against the stored one (compared as SES does, case-insensitively). */
export function listChange(before: readonly string[], after: readonly string[]): { added: number; removed: number } {
  const old = new Set(before.map((a) => a.toLowerCase()));
  const now = new Set(after.map((a) => a.toLowerCase()));
  let added = 0;
  let removed = 0;
  for (const a of now) if (!old.has(a)) added += 1;
  for (const a of old) if (!now.has(a)) removed += 1;
  return { added, removed };
}
