// `recipientsFile`: a route's allow-list kept outside cdk.json, one address a
// line, as `postmap -s` or an LDAP export gives it after a one-line filter.
// Read at synth (and by the local runner), merged into `recipients`.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { emailAddress } from './field-schemas.js';

/** Bad lines listed one by one before the rest are only counted. */
const MAX_LINE_PROBLEMS = 10;

const addressSchema = emailAddress();

export interface FileAddresses {
  addresses: string[];
  problems: string[];
}

/** Parses the text of a recipients file; `where` prefixes each problem. */
export function parseRecipientsText(text: string, where: string): FileAddresses {
  const addresses: string[] = [];
  const bad: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parsed = addressSchema.safeParse(line);
    if (parsed.success) {
      addresses.push(parsed.data);
    } else if (line.startsWith('@')) {
      bad.push(`line ${i + 1}: "${line}" is a catch-all; leave that domain with no listed addresses instead`);
    } else {
      bad.push(`line ${i + 1}: ${parsed.error.issues[0]?.message ?? 'not an address'}`);
    }
  });
  const problems = bad.slice(0, MAX_LINE_PROBLEMS).map((p) => `${where} ${p}`);
  if (bad.length > MAX_LINE_PROBLEMS) problems.push(`${where}: ${bad.length - MAX_LINE_PROBLEMS} more bad lines`);
  if (bad.length === 0 && addresses.length === 0) problems.push(`${where}: no addresses in the file`);
  return { addresses, problems };
}

/**
 * Reads each route's `recipientsFile` and returns the routes with the file's
 * addresses added to `recipients` (duplicates dropped) and the field removed.
 */
export function loadRecipientsFiles<R extends { recipients?: string[]; recipientsFile?: string }>(
  routes: R[],
  baseDir: string,
): { routes: Omit<R, 'recipientsFile'>[]; problems: string[] } {
  const problems: string[] = [];
  const loaded = routes.map((route, i) => {
    const { recipientsFile, ...rest } = route;
    if (recipientsFile === undefined) return rest;
    const path = isAbsolute(recipientsFile) ? recipientsFile : resolve(baseDir, recipientsFile);
    const where = `backupMx.routes[${i}].recipientsFile: ${recipientsFile}`;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      problems.push(`${where}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      return rest;
    }
    const file = parseRecipientsText(text, where);
    problems.push(...file.problems);
    return { ...rest, recipients: [...new Set([...(route.recipients ?? []), ...file.addresses])] };
  });
  return { routes: loaded, problems };
}
