// `backup-mx recipients push <route> --file <f> [--force] [--dry-run]`: the
// operator pushes a synced route's list with their own credentials, through
// the primary's push use case (same guards, same store). Prints what changes
// (counts and the first few added and removed); `--dry-run` stores nothing.
// `recipients verify --push` feeds what the primary accepted the same way.
import { readFile } from 'node:fs/promises';
import { RecipientPushRefused } from '../../lambdas/core/recipients/push-refused.js';
import type { PushListOutcome } from '../../lambdas/core/operator/push-recipient-list.js';
import type { CliIo } from '../cli-io.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import type { Target } from '../target.js';

/** How many of each change are listed. */
const SHOWN = 5;

export interface RecipientsPushOptions {
  file?: string;
  force?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export async function recipientsPushCommand(target: Target, route: string, options: RecipientsPushOptions, io: CliIo): Promise<number> {
  if (!options.file) throw new UsageError('recipients push: --file <path> is needed (one address a line; "-" reads stdin)');
  const text = options.file === '-' ? await readStdin() : await readFile(options.file, 'utf8').catch((error: Error) => {
    throw new UsageError(`--file ${options.file}: ${error.message}`);
  });
  return pushLines(target, route, text.split(/\r?\n/), { ...options, source: 'cli' }, io);
}

/** Pushes `lines` to the route and prints the change; exit 1 on a refusal (its words on stderr). */
export async function pushLines(target: Target, route: string, lines: string[], options: Omit<RecipientsPushOptions, 'file'> & { source: string }, io: CliIo): Promise<number> {
  const push = target.operator.pushRecipients;
  if (!push) {
    throw new CliError(`recipients push: the ${target.label} cannot write synced lists (${target.kind === 'aws' ? 'no RecipientRuleWriterName output: set recipientSync on a route and deploy this version' : 'no synced route'})`);
  }
  let outcome: PushListOutcome;
  try {
    outcome = await push.run(route, lines, { force: options.force === true, dryRun: options.dryRun === true, source: options.source });
  } catch (error) {
    if (error instanceof RecipientPushRefused) {
      io.err(`recipients push ${route}: refused (${error.reason}): ${error.message}`);
      return EXIT.failed;
    }
    throw error;
  }
  print(outcome, options, io);
  return EXIT.ok;
}

function print({ preview, result }: PushListOutcome, options: { dryRun?: boolean; json?: boolean }, io: CliIo): void {
  if (options.json) {
    io.out(JSON.stringify({ route: preview.route, dryRun: options.dryRun === true, added: preview.added, removed: preview.removed, total: preview.total, ...(result ? { version: result.version, unchanged: result.unchanged, rulesPending: result.rulesPending } : {}) }, null, 2));
    return;
  }
  const some = (items: string[]) => (items.length === 0 ? '' : `: ${items.slice(0, SHOWN).join(', ')}${items.length > SHOWN ? `, and ${items.length - SHOWN} more` : ''}`);
  io.out(`+ ${preview.added.length} added${some(preview.added)}`);
  io.out(`- ${preview.removed.length} removed${some(preview.removed)}`);
  if (!result) {
    io.out(`recipients push ${preview.route}: dry run, ${preview.total} addresses; nothing stored (stored version ${preview.version})`);
    return;
  }
  const rules = result.rulesPending ? 'the stack\'s rule writer is writing the receipt rules (`status` shows "rules pending" until it is done)' : 'receipt rules in place';
  io.out(`recipients push ${preview.route}: ${result.unchanged ? 'unchanged' : `stored as version ${result.version}`}, ${result.total} addresses; ${rules}`);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
