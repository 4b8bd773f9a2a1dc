// `backup-mx mailq --shape [sender|recipient]`: the queue's shape as Postfix's
// qshape prints it — one row per domain, a column per age bucket headed by its
// upper edge in minutes (5 10 20 ... 1280 1280+), T the row's total, TOTAL
// first. The table is core/operator/queue-shape.ts's; this only prints it.
import type { CliIo } from '../cli-io.js';
import { describeFilter, type MessageFilter } from '../../lambdas/core/operator/message-filter.js';
import { queueShape, SHAPE_BY, type QueueShape, type ShapeBy, type ShapeRow } from '../../lambdas/core/operator/queue-shape.js';
import { EXIT, UsageError } from '../errors.js';
import { routesOf, type Target } from '../target.js';

export interface ShapeOptions {
  /** What `--shape` was given: true when bare (a sender shape). */
  shape: true | string;
  json?: boolean;
  route?: string;
  dead?: boolean;
  filter?: MessageFilter;
}

/** `--shape` alone is a sender shape; anything but sender or recipient is a usage error naming the flag. */
export function shapeBy(value: true | string): ShapeBy {
  if (value === true) return 'sender';
  const by = value.trim().toLowerCase();
  if ((SHAPE_BY as readonly string[]).includes(by)) return by as ShapeBy;
  throw new UsageError(`--shape: expected sender or recipient (or nothing, for sender); got ${JSON.stringify(value)}`);
}

export async function mailqShape(target: Target, options: ShapeOptions, io: CliIo): Promise<number> {
  const by = shapeBy(options.shape);
  const routes = routesOf(target, options.route).map((r) => r.name);
  const dead = options.dead === true;
  const selection = await target.operator.select(options.filter ?? { verdicts: [] }, { routes, queued: !dead, dead });
  const shape = queueShape(selection.matched, target.operator.now(), by);
  const noun = dead ? 'dead-lettered message' : 'queued message';
  const shown = options.filter ? `${selection.matched.length} of ${selection.total} ${noun}${selection.total === 1 ? '' : 's'} shaped (${describeFilter(options.filter)})` : undefined;
  if (options.json) {
    io.out(JSON.stringify(shape, null, 2));
    if (shown) io.err(shown);
    return EXIT.ok;
  }
  for (const line of shapeLines(shape)) io.out(line);
  io.out(
    `-- ${by} domains, ${shape.unit} by age in minutes (each column up to its heading, from the one before; 1280+ older)${shown ? `; ${shown}` : ''}`,
  );
  if (shape.undated > 0) io.out(`${shape.undated} message${shape.undated === 1 ? '' : 's'} with no receive time not counted`);
  return EXIT.ok;
}

/** qshape's layout: domains right-aligned, then T and one right-aligned column per bucket; TOTAL first. */
export function shapeLines(shape: QueueShape): string[] {
  const headings = ['T', ...shape.buckets.map((b) => (b.toMinutes === undefined ? `${b.fromMinutes}+` : String(b.toMinutes)))];
  const rows: ShapeRow[] = [shape.total, ...shape.rows, ...(shape.other ? [{ ...shape.other, name: `(${shape.other.domains} ${shape.other.name})` }] : [])];
  const cells = rows.map((r) => [printable(r.name), String(r.total), ...r.counts.map(String)]);
  const all = [['', ...headings], ...cells];
  const widths = all[0]!.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  return all.map((row) => row.map((cell, i) => cell.padStart(widths[i]!)).join(' '));
}

/** A domain as the terminal should see it: control characters (an envelope could carry them into a dead letter's notification) shown as '?'. */
const printable = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
