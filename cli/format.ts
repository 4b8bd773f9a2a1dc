// Human output: ages, sizes, replies and aligned tables, the way mail people
// read them (`2h 5m`, `12.3 KiB`, `451 4.3.0 mailbox busy`).
import type { SmtpReply } from '../lambdas/core/model.js';

/** `45s`, `12m 3s`, `2h 5m`, `3d 4h`. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

export const ageSeconds = (since: Date, now: Date): number => Math.max(0, (now.getTime() - since.getTime()) / 1000);

export function formatAgo(at: Date | undefined, now: Date): string {
  return at ? `${formatAge(ageSeconds(at, now))} ago` : '-';
}

export function formatSize(bytes: number | undefined): string {
  if (bytes === undefined) return '?';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatReplyText(reply: SmtpReply | undefined): string {
  if (!reply) return '';
  const parts = [reply.code, reply.enhanced, reply.text].filter((p) => p !== undefined && p !== '');
  const text = parts.join(' ');
  return reply.errorCode && reply.code === undefined ? `${reply.errorCode}: ${reply.text}` : text;
}

/** "at the next probe, within 5 s": when the probe's next round comes, with the deployment's real interval. */
export const atNextProbe = (probeIntervalSeconds: number): string => `at the next probe, within ${probeIntervalSeconds} s`;

/** `1 try`, `3 tries`; empty for none. */
export const formatTries = (n: number): string => (n === 0 ? '' : `${n} tr${n === 1 ? 'y' : 'ies'}`);

/** `<alice@example.org>`, or `<>` for the null sender. */
export const formatSender = (sender: string): string => `<${sender}>`;

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function table(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}
