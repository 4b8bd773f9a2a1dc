// `backup-mx recipients push-command <route>`: the POSIX sh line the primary
// runs to push the route's valid addresses, one a line on its stdin, e.g.
//   postmap -s hash:/etc/postfix/virtual | cut -f1 | grep '.@' | <command>
// It signs as core/recipients/push-signature.ts checks (HMAC-SHA256 with the
// route's own push key over method, the URL's host, path, force, timestamp
// and the body's SHA-256; openssl) and POSTs the body with curl. The host is
// signed so a push captured on its way to one stack is refused by another.
// The route's key is derived from the stack's push key (pushkey#recipients,
// created here when missing; locally <data dir>/recipient-push.key), printed
// as a command, so the primary of one route never holds a key that pushes
// another. Never from the trigger key: every primary calling the trigger holds that.
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../lambdas/adapters/http/trigger-http.js';
import { RECIPIENT_PUSH_KEY_ITEM } from '../../lambdas/adapters/aws/dynamo-push-key.js';
import { signedHost } from '../../lambdas/core/recipients/push-signature.js';
import type { CliIo } from '../cli-io.js';
import { CliError, EXIT } from '../errors.js';
import { routesOf, type Target } from '../target.js';

/** Where the primary keeps the route's push key unless told otherwise. */
export const pushKeyFile = (route: string) => `/etc/backup-mx/recipients-${route}.key`;

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The command for one route (POSIX sh, curl ≥ 7.76 for --fail-with-body, openssl): reads
 * stdin into a temporary file, signs it, POSTs it and exits with curl's status
 * (22 on a refusal, whose JSON answer is printed). In a subshell, so its exit ends only itself.
 */
export function pushCommand(url: string, route: string, keyFile: string, force = false): string {
  const host = signedHost(new URL(url).host);
  const signed = `printf 'POST\\n%s\\n/%s/recipients\\nforce=${force ? 1 : 0}\\n%s\\n%s' ${shellQuote(host)} ${shellQuote(route)} "$ts" "$h"`;
  return (
    `( f=$(mktemp) || exit 1; cat >"$f"; ts=$(date +%s); h=$(openssl dgst -sha256 -r "$f" | cut -d' ' -f1); ` +
    `s=$(${signed} | openssl dgst -sha256 -hmac "$(cat ${shellQuote(keyFile)})" -r | cut -d' ' -f1); ` +
    `curl -sS --fail-with-body --max-time 120 -X POST -H 'content-type: text/plain' -H "${TIMESTAMP_HEADER}: $ts" -H "${SIGNATURE_HEADER}: $s" --data-binary @"$f" ` +
    `${shellQuote(`${url}/${route}/recipients${force ? '?force=1' : ''}`)}; r=$?; rm -f "$f"; exit $r )`
  );
}

/**
 * The command that derives the route's push key from the stack's push key
 * (`stackKey`: a shell command that prints it) into `keyFile`; run where that
 * key can be read, then copy the file to the primary.
 */
export function pushKeyCommand(route: string, stackKey: string, keyFile: string): string {
  return `printf 'backup-mx recipients push\\n%s' ${shellQuote(route)} | openssl dgst -sha256 -hmac "$(${stackKey})" -r | cut -d' ' -f1 > ${shellQuote(keyFile)} && chmod 600 ${shellQuote(keyFile)}`;
}

/** The shell command that prints the stack's push key: the runner's file locally, else the table's item. */
function stackKeyReader(target: Target): string {
  const keyFile = target.recipientPush?.keyFile;
  if (keyFile) return `cat ${shellQuote(keyFile)}`;
  const itemKey = JSON.stringify({ pk: { S: RECIPIENT_PUSH_KEY_ITEM.pk }, sk: { S: RECIPIENT_PUSH_KEY_ITEM.sk } });
  return `aws dynamodb get-item --table-name ${target.settings.tableName} --key '${itemKey}' --query Item.key.S --output text`;
}

export interface PushCommandOptions {
  keyFile?: string;
  force?: boolean;
  json?: boolean;
}

export async function recipientsPushCommandCommand(target: Target, routeName: string | undefined, options: PushCommandOptions, io: CliIo): Promise<number> {
  const push = target.recipientPush;
  if (!push) {
    throw new CliError(
      target.kind === 'local'
        ? `the ${target.label} has no push listener (started by an older version?): restart \`npm start\``
        : `the ${target.label} has no RecipientPushUrl output: set recipientSync on a route and deploy this version with \`npx cdk deploy\``,
    );
  }
  // The stack push key the route keys derive from: made now if the deployed stack has none yet (as trigger-url does for the trigger's).
  if (target.kind === 'aws') {
    const keys = target.account?.pushKeys;
    if (keys && (await keys.getOrCreate()).created) io.err(`# a new recipient push key was created in the state table (${RECIPIENT_PUSH_KEY_ITEM.pk}); every route's push key derives from it`);
  }
  const rows = routesOf(target, routeName).map((route) => {
    const keyFile = options.keyFile ?? pushKeyFile(route.name);
    return { route: route.name, url: `${push.url}/${route.name}/recipients`, keyFile, command: pushCommand(push.url, route.name, keyFile, options.force === true) };
  });
  if (options.json) {
    io.out(JSON.stringify({ routes: rows }, null, 2));
    return EXIT.ok;
  }
  for (const row of rows) {
    io.err(`# route ${row.route}: its push key first (readable by the user that runs the command only):`);
    io.err(`#   ${pushKeyCommand(row.route, stackKeyReader(target), row.keyFile)}`);
    io.out(row.command);
  }
  return EXIT.ok;
}
