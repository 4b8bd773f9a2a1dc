// `backup-mx trigger-url <route>`: the one-line command the primary runs when
// it is back (systemd ExecStartPost=, a Postfix start-up hook), so its mail
// comes at once instead of at the next probe. The command signs the route and
// the current time with the shared key (HMAC-SHA256, openssl) and POSTs it.
// On a deployed stack the key is the state table's trigger#key item: the
// first run creates it (or --import-key stores the one the primary already
// holds), and says how to copy it to the primary. A stack deployed with
// trigger.keySecretName reads a Secrets Manager secret instead.
import { readFileSync } from 'node:fs';
import { TRIGGER_KEY_ITEM } from '../../lambdas/adapters/aws/dynamo-trigger-key.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../lambdas/adapters/http/trigger-http.js';
import type { CliIo } from '../cli-io.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { routesOf, type Target } from '../target.js';

/** Where the primary keeps the secret unless told otherwise. */
export const DEFAULT_KEY_FILE = '/etc/backup-mx/trigger.key';

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The shell command for one route (POSIX sh, curl and openssl). */
export function triggerCommand(url: string, route: string, keyFile: string): string {
  const sign = `printf '%s\\n%s' ${shellQuote(route)} "$ts" | openssl dgst -sha256 -hmac "$(cat ${shellQuote(keyFile)})" -r | cut -d' ' -f1`;
  return `ts=$(date +%s); curl -fsS --max-time 20 -X POST -H "${TIMESTAMP_HEADER}: $ts" -H "${SIGNATURE_HEADER}: $(${sign})" ${shellQuote(`${url}/${route}`)}`;
}

/** The AWS CLI command that writes the table's key into `keyFile` (run where your AWS credentials are, then copy the file to the primary). */
export function tableKeyCommand(tableName: string, keyFile: string): string {
  const itemKey = JSON.stringify({ pk: { S: TRIGGER_KEY_ITEM.pk }, sk: { S: TRIGGER_KEY_ITEM.sk } });
  return `aws dynamodb get-item --table-name ${tableName} --key '${itemKey}' --query Item.key.S --output text > ${keyFile} && chmod 600 ${keyFile}`;
}

export interface TriggerUrlOptions {
  json?: boolean;
  keyFile?: string;
  /** A file holding the key the primary already holds: stored as the stack's key when it has none. */
  importKey?: string;
}

export async function triggerUrlCommand(target: Target, routeName: string | undefined, options: TriggerUrlOptions, io: CliIo): Promise<number> {
  const trigger = target.trigger;
  if (!trigger) {
    throw new CliError(
      target.kind === 'local'
        ? `the ${target.label} has no trigger listener (started by an older version?): restart \`npm start\``
        : `the ${target.label} has no TriggerUrl output: deploy this version with \`npx cdk deploy\``,
    );
  }
  const keyFile = options.keyFile ?? trigger.keyFile ?? DEFAULT_KEY_FILE;
  const rows = routesOf(target, routeName).map((route) => ({ route: route.name, url: `${trigger.url}/${route.name}`, keyFile, command: triggerCommand(trigger.url, route.name, keyFile) }));
  // The deployed stack's key in the table: made (or imported) now, so the call the primary makes can be checked.
  const tableKey = target.kind === 'aws' && !trigger.secretId ? await ensureTableKey(target, options.importKey) : undefined;
  if (options.importKey && !tableKey) throw new UsageError('--import-key: this stack reads its key from Secrets Manager (trigger.keySecretName); update that secret instead');
  if (options.json) {
    io.out(JSON.stringify({ ...(trigger.secretId ? { secretId: trigger.secretId } : {}), ...(tableKey ? { keyItem: { tableName: target.settings.tableName, ...TRIGGER_KEY_ITEM }, keyCreated: tableKey === 'created' } : {}), routes: rows }, null, 2));
    return EXIT.ok;
  }
  if (tableKey === 'created') {
    io.err('# a new trigger key was created in the state table. A primary set up before this version holds the old key (a Secrets Manager secret):');
    io.err('# store that one instead with --import-key <file> (see README: Upgrading) before the primary calls, or give the primary this new key.');
  }
  if (tableKey === 'imported') io.err('# the key from --import-key is now the stack\'s trigger key (the primary keeps using it): the old secret can be deleted');
  if (!options.keyFile) {
    io.err(`# put the key on the primary first (readable by the user that runs the command only):`);
    io.err(
      trigger.secretId
        ? `#   aws secretsmanager get-secret-value --secret-id ${trigger.secretId} --query SecretString --output text > ${keyFile} && chmod 600 ${keyFile}`
        : tableKey
          ? `#   ${tableKeyCommand(target.settings.tableName, keyFile)}`
          : `#   (the runner's key file: ${keyFile})`,
    );
  }
  for (const row of rows) io.out(row.command);
  return EXIT.ok;
}

/** Makes sure the table holds a key: 'created', 'imported' or 'kept' (one was there). */
async function ensureTableKey(target: Target, importFile: string | undefined): Promise<'created' | 'imported' | 'kept'> {
  const keys = target.account?.triggerKeys;
  if (!keys) throw new CliError('trigger-url: the state table\'s trigger key is read on the deployed stack only');
  if (importFile === undefined) return (await keys.getOrCreate()).created ? 'created' : 'kept';
  let text: string;
  try {
    text = readFileSync(importFile, 'utf8');
  } catch (error) {
    throw new UsageError(`--import-key ${importFile}: ${(error as Error).message}`);
  }
  const stored = await keys.importKey(text);
  if (stored === 'different') {
    throw new CliError('--import-key: the stack already has another trigger key (trigger#key in the state table); nothing changed. Delete that item first if the primary\'s key should replace it');
  }
  return stored === 'stored' ? 'imported' : 'kept';
}
