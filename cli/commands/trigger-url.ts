// `backup-mx trigger-url <route>`: the one-line command the primary runs when
// it is back (systemd ExecStartPost=, a Postfix start-up hook), so its mail
// comes at once instead of at the next probe. The command signs the route and
// the current time with the shared secret (HMAC-SHA256, openssl) and POSTs it.
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../lambdas/adapters/http/trigger-http.js';
import type { CliIo } from '../cli-io.js';
import { CliError, EXIT } from '../errors.js';
import { routesOf, type Target } from '../target.js';

/** Where the primary keeps the secret unless told otherwise. */
export const DEFAULT_KEY_FILE = '/etc/backup-mx/trigger.key';

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The shell command for one route (POSIX sh, curl and openssl). */
export function triggerCommand(url: string, route: string, keyFile: string): string {
  const sign = `printf '%s\\n%s' ${shellQuote(route)} "$ts" | openssl dgst -sha256 -hmac "$(cat ${shellQuote(keyFile)})" -r | cut -d' ' -f1`;
  return `ts=$(date +%s); curl -fsS --max-time 20 -X POST -H "${TIMESTAMP_HEADER}: $ts" -H "${SIGNATURE_HEADER}: $(${sign})" ${shellQuote(`${url}/${route}`)}`;
}

export async function triggerUrlCommand(target: Target, routeName: string | undefined, options: { json?: boolean; keyFile?: string }, io: CliIo): Promise<number> {
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
  if (options.json) {
    io.out(JSON.stringify({ ...(trigger.secretId ? { secretId: trigger.secretId } : {}), routes: rows }, null, 2));
    return EXIT.ok;
  }
  if (trigger.secretId && !options.keyFile) {
    io.err(`# put the secret on the primary first (readable by the user that runs the command only):`);
    io.err(`#   aws secretsmanager get-secret-value --secret-id ${trigger.secretId} --query SecretString --output text > ${keyFile} && chmod 600 ${keyFile}`);
  }
  for (const row of rows) io.out(row.command);
  return EXIT.ok;
}
