// Times on the command line: an ISO 8601 date/time ("2026-11-30T08:00Z",
// "2026-11-30"), an age back from now ("90m", "6h", "2d") or, for a time
// ahead such as a maintenance window's, a span from now ("+2h", "+30m").
import { UsageError } from './errors.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

export function parseTimeArg(option: string, value: string, now: Date): Date {
  const relative = /^(\+?)(\d+(?:\.\d+)?)([smhd])$/.exec(value.trim());
  if (relative) return new Date(now.getTime() + (relative[1] ? 1 : -1) * Number(relative[2]) * UNIT_SECONDS[relative[3]!]! * 1000);
  if (/^\d{4}-\d{2}-\d{2}/.test(value.trim())) {
    const at = new Date(value.trim());
    if (!Number.isNaN(at.getTime())) return at;
  }
  throw new UsageError(`${option}: expected an ISO 8601 time such as 2026-11-30T08:00:00Z, an age such as 90m, 6h, 2d, or a time ahead such as +2h; got ${JSON.stringify(value)}`);
}
