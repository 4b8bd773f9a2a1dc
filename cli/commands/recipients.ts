// `backup-mx recipients verify [address...]`: asks the route's primary about
// each address by RCPT TO (no DATA, rate-limited, only while it is up) and
// prints the ones it refuses. The addresses come from the arguments, --file,
// or else the route's `recipients` / `recipientsFile` in the configuration:
// --context, else BACKUPMX_CONTEXT_FILE, else the file the running local
// runner loaded (--local), else the checkout's cdk.json. The primary asked is
// always the target's route (locally: the running routes, after any reload).
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseRecipientsText } from '../../lib/config/recipients-file.js';
import { loadRunnerConfig, readConfigFile, type LoadedConfig } from '../../local/runner/runner-config.js';
import type { VerifyReport } from '../../lambdas/core/operator/verify-recipients.js';
import type { PushRecipientList } from '../../lambdas/core/operator/push-recipient-list.js';
import { RecipientPushRefused, type PushRefusal } from '../../lambdas/core/recipients/push-refused.js';
import type { CliEnv } from '../cli-env.js';
import type { CliIo } from '../cli-io.js';
import type { Run } from '../command-runner.js';
import { EXIT, UsageError } from '../errors.js';
import { routesOf, type Target } from '../target.js';
import { recipientsPushCommandCommand } from './recipients-push-command.js';
import { pushLines, recipientsPushCommand } from './recipients-push.js';

export interface RecipientsVerifyOptions {
  route?: string;
  file?: string;
  context?: string;
  rate?: string;
  json?: boolean;
  push?: boolean;
  force?: boolean;
}

async function addressesFrom(target: Target, route: string, args: string[], options: RecipientsVerifyOptions, env: CliEnv, io: CliIo): Promise<string[]> {
  if (args.length > 0) return args;
  if (options.file) {
    const parsed = parseRecipientsText(await readFile(options.file, 'utf8'), options.file);
    if (parsed.problems.length > 0) throw new UsageError(parsed.problems.join('\n'));
    return parsed.addresses;
  }
  const { config, source } = await configOf(target, options, env, io);
  const listed = config.routes.find((r) => r.name === route)?.recipients;
  if (!listed?.length) {
    throw new UsageError(`route ${route} lists no recipients in ${source}; give addresses or --file (of the ${target.label})`);
  }
  return listed;
}

async function configOf(target: Target, options: RecipientsVerifyOptions, env: CliEnv, io: CliIo): Promise<LoadedConfig> {
  if (options.context) return readConfigFile(path.resolve(options.context), { cdkJson: false, label: '--context' }, env.passOn);
  const running = target.configFile;
  if (env.contextFile || !running) return loadRunnerConfig(env.passOn);
  const loaded = await readConfigFile(running.file, { ...running, label: "the runner's configuration" }, env.passOn);
  // Edited but not reloaded: the stand-in still refuses by the list it loaded.
  if (running.digest && loaded.digest !== running.digest) {
    io.err(`backup-mx: note: ${running.file} changed since the runner loaded it (send it SIGHUP to reload); its recipients are read as the file is now`);
  }
  return loaded;
}

export function registerRecipientsCommand(program: Command, run: Run, io: CliIo, env: CliEnv): void {
  const recipients = program.command('recipients').description('check a recipient list against the primary, or have the primary push it');
  recipients
    .command('push-command')
    .argument('[route]', 'the synced route (default: every route)')
    .description('print the sh command the primary runs to push its valid addresses (one a line on stdin), signed with the route\'s push key')
    .option('--key-file <path>', 'where the primary keeps the route\'s push key (default /etc/backup-mx/recipients-<route>.key)')
    .option('--force', 'sign ?force=1: the push passes the shrink guard (never put this in a cron line)')
    .option('--json', 'machine-readable output')
    .action(run((t, route, opts) => recipientsPushCommandCommand(t, route, opts, io)));
  recipients
    .command('push')
    .argument('<route>', 'the synced route')
    .description('push a synced route\'s list with your credentials, through the same guards as the primary\'s push; prints what changes')
    .option('--file <path>', 'the addresses, one a line ("-": stdin)')
    .option('--force', 'pass the shrink guard (never an empty list)')
    .option('--dry-run', 'check and print what would change; store nothing')
    .option('--json', 'machine-readable output')
    .action(run((t, route, opts) => recipientsPushCommand(t, route, opts, io)));
  recipients
    .command('verify')
    .argument('[address...]', 'addresses to check (default: --file, else the route\'s recipients in the configuration)')
    .description('ask the primary about each address by RCPT TO (no DATA, rate-limited, only while it is up) and print those it refuses')
    .option('--route <name>', 'the route whose primary to ask (needed with several routes)')
    .option('--file <path>', 'a file of addresses, one a line (as for recipientsFile)')
    .option('--context <file>', 'the configuration file whose route recipients to check (a context file, as BACKUPMX_CONTEXT_FILE; default: that variable, else with --local the file the running runner loaded, else ./cdk.json\'s checkout)')
    .option('--rate <n>', 'callouts per second at most (default 5)')
    .option('--json', 'machine-readable output')
    .option('--push', 'then push the addresses the primary accepted as the route\'s synced list (source "verify"; the push\'s guards apply)')
    .option('--force', 'with --push: pass the shrink guard')
    .action(run((t, addresses, opts) => recipientsVerifyCommand(t, addresses, opts, io, env)));
}

export async function recipientsVerifyCommand(
  target: Target,
  args: string[],
  options: RecipientsVerifyOptions,
  io: CliIo,
  env: CliEnv,
): Promise<number> {
  const routes = routesOf(target, options.route);
  if (routes.length > 1) throw new UsageError(`--route is needed: this target has ${routes.map((r) => r.name).join(', ')}`);
  const route = routes[0]!;
  const rate = options.rate === undefined ? 5 : Number(options.rate);
  if (!Number.isFinite(rate) || rate <= 0 || rate > 100) throw new UsageError(`--rate: expected 0.1–100 callouts per second, got "${options.rate}"`);
  const addresses = await addressesFrom(target, route.name, args, options, env, io);
  // A callout that cannot log in for want of the secret would say the primary is not up.
  await target.checkSecrets?.(route, { arc: false });
  io.err(`recipients verify ${route.name}: asking ${route.primary.host}:${route.primary.port} about ${addresses.length} address${addresses.length === 1 ? '' : 'es'} (RCPT TO only, ${rate}/s)...`);
  const step = Math.max(1, Math.ceil(addresses.length / 10));
  const report = await target.operator.verifyRecipients(route, addresses, {
    ratePerSecond: rate,
    onProgress: (done, total) => {
      if (done % step === 0 && done < total) io.err(`  ${done}/${total}`);
    },
  });
  const verdict = report.problems.length === 0 ? EXIT.ok : EXIT.failed;
  // Only what the primary accepted: a refused, unknown or unsure address is left out (the shrink guard still holds).
  const refused = new Set(report.problems.map((p) => p.address));
  const accepted = addresses.filter((a) => !refused.has(a));
  if (options.json && options.push && target.operator.pushRecipients) {
    // One JSON document: the verify report with what the push did (or why it was refused) inside.
    const push = await pushForJson(target.operator.pushRecipients, route.name, accepted, options.force === true);
    io.out(JSON.stringify({ ...report, push }, null, 2));
    if ('refused' in push) io.err(`recipients push ${route.name}: refused (${push.refused.reason}): ${push.refused.message}`);
    return 'refused' in push ? EXIT.failed : verdict;
  }
  print(report, options, io);
  if (options.push) {
    const pushed = await pushLines(target, route.name, accepted, { source: 'verify', force: options.force === true, json: options.json === true }, io);
    if (pushed !== EXIT.ok) return pushed;
  }
  return verdict;
}

/** What `verify --push --json` carries under "push": the push's answer as `recipients push --json` prints it, or the refusal. */
export type VerifyPushJson =
  | { route: string; dryRun: false; added: string[]; removed: string[]; total: number; version?: number; unchanged?: boolean; rulesPending?: boolean }
  | { refused: { reason: PushRefusal; message: string } };

async function pushForJson(push: PushRecipientList, route: string, accepted: string[], force: boolean): Promise<VerifyPushJson> {
  try {
    const { preview, result } = await push.run(route, accepted, { force, source: 'verify' });
    return { route: preview.route, dryRun: false, added: preview.added, removed: preview.removed, total: preview.total, ...(result ? { version: result.version, unchanged: result.unchanged, rulesPending: result.rulesPending } : {}) };
  } catch (error) {
    if (error instanceof RecipientPushRefused) return { refused: { reason: error.reason, message: error.message } };
    throw error;
  }
}

function print(report: VerifyReport, options: RecipientsVerifyOptions, io: CliIo): void {
  if (options.json) {
    io.out(JSON.stringify(report, null, 2));
    return;
  }
  for (const p of report.problems) io.out(`${p.address}\t${p.verdict}\t${p.reply}`);
  const by = (v: string) => report.problems.filter((p) => p.verdict === v).length;
  io.out(
    `recipients verify ${report.route}: ${report.checked} checked, ${report.accepted} accepted, ${by('unknown')} unknown, ` +
      `${by('refused')} refused for another reason, ${by('unsure')} unsure (4xx or no answer) in ${report.sessions} session${report.sessions === 1 ? '' : 's'}`,
  );
}
