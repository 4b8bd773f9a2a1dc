// Turns zod issues into the messages users see, with the path written the way
// they wrote the context: backupMx.routes[0].primary.port.
import type { z } from 'zod';
import { describeValue } from './field-schemas.js';

export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = 'backupMx';
  for (const segment of path) {
    out += typeof segment === 'number' ? `[${segment}]` : `.${String(segment)}`;
  }
  return out;
}

export function formatZodIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'custom':
      return issue.message;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_type': {
      const expected = issue.expected === 'array' ? 'a list' : issue.expected === 'object' ? 'an object' : issue.expected;
      return `expected ${expected}, got ${describeValue(issue.input)}`;
    }
    case 'too_small':
      if (issue.origin === 'array' && issue.path.at(-1) === 'routes') return 'no routes; add at least one route';
      return issue.origin === 'array'
        ? `expected at least ${String(issue.minimum)} entr${issue.minimum === 1 ? 'y' : 'ies'}, got none`
        : issue.message;
    default:
      return issue.message;
  }
}
