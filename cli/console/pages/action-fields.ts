// What every console action is made of: its form fields, its confirmation,
// and its run, which calls the operator's use cases (target.operator) and
// returns the words the CLI verb would print (cli/*-action-lines.ts), joined
// into one line for the page. The actions themselves: route-actions.ts,
// message-actions.ts, bulk-actions.ts; the registry: actions.ts.
import type { CliIo } from '../../cli-io.js';
import { UsageError } from '../../errors.js';
import { routeOf, type Target } from '../../target.js';
import type { Html } from '../html.js';

/** The fields a form sends (text only; absent and empty are the same). */
export type ActionFields = Readonly<Record<string, string>>;

export interface Confirmation {
  question: string;
  details: Html;
  button: string;
  /** The fields the form carries to the POST (resolved: what was confirmed is what runs). */
  fields: Record<string, string>;
}

export interface ActionResult {
  ok: boolean;
  line: string;
}

export interface ConsoleAction {
  /** The form's fields; anything else in a request is ignored. */
  fields: readonly string[];
  /** The page the result is shown on (a fixed path: never a redirect the request chooses). */
  back: '/' | '/queue';
  /** The largest form body this action takes (16 KiB when unset; a bulk action carries its ids). */
  maxFormBytes?: number;
  /** A GET form asking for what the action still needs (forward's address), or undefined when nothing is missing. */
  ask?(fields: ActionFields): Html | undefined;
  /** What the confirmation page says; throws a CliError for a bad field (a 400 naming it). */
  confirm(target: Target, fields: ActionFields): Promise<Confirmation>;
  /** Calls the use cases; a CliError it throws is a failed result naming why. */
  run(target: Target, fields: ActionFields): Promise<ActionResult>;
}

export const field = (fields: ActionFields, name: string): string | undefined => {
  const value = fields[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

export const required = (fields: ActionFields, name: string): string => {
  const value = field(fields, name);
  if (value === undefined) throw new UsageError(`${name}: required`);
  return value;
};

/** The route field, checked against the configuration (an unknown name is a UsageError naming the routes). */
export const routeField = (target: Target, fields: ActionFields): string => routeOf(target, required(fields, 'route')).name;

/** The result of an action from the lines it would print (empty lines dropped; capped: it travels in a URL). */
export function result(lines: (string | undefined)[], ok = true): ActionResult {
  const line = lines.map((l) => l?.trim() ?? '').filter((l) => l !== '').join(' — ').slice(0, 1000);
  return { ok, line: line || (ok ? 'done' : 'failed') };
}

/** An io for the shared printers that take one (printCopyCleanup): it only collects lines. */
export function lineCollector(): { io: CliIo; lines: string[] } {
  const lines: string[] = [];
  return { lines, io: { out: (l) => lines.push(l), err: (l) => lines.push(l), interactive: false, confirm: async () => false } };
}
