// `backup-mx recipients push-command <route>`: the POSIX sh line the primary
// runs to push the route's valid addresses, one a line on its stdin, e.g.
//   postmap -s hash:/etc/postfix/virtual | cut -f1 | <command>
// It signs as core/recipients/push-signature.ts checks (HMAC-SHA256 with the
// route's own push key over method, path, force, timestamp and the body's
// SHA-256; openssl) and POSTs the body with curl. The route's key is derived
// from the stack's trigger key where that key is (printed as a command), so
// the primary of one route never holds a key that pushes another.
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../lambdas/adapters/http/trigger-http.js';
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
  const signed = `printf 'POST\\n/%s/recipients\\nforce=${force ? 1 : 0}\\n%s\\n%s' ${shellQuote(route)} "$ts" "$h"`;
  return (
    `( f=$(mktemp) || exit 1; cat >"$f"; ts=$(date +%s); h=$(openssl dgst -sha256 -r "$f" | cut -d' ' -f1); ` +
    `s=$(${signed} | openssl dgst -sha256 -hmac "$(cat ${shellQuote(keyFile)})" -r | cut -d' ' -f1); ` +
    `curl -sS --fail-with-body --max-time 120 -X POST -H 'content-type: text/plain' -H "${TIMESTAMP_HEADER}: $ts" -H "${SIGNATURE_HEADER}: $s" --data-binary @"$f" ` +
    `${shellQuote(`${url}/${route}/recipients${force ? '?force=1' : ''}`)}; r=$?; rm -f "$f"; exit $r )`
  );
}

/** The command that derives the route's push key from the stack key in `stackKeyFile` (run where that key is). */
export function pushKeyCommand(route: string, stackKeyFile: string, keyFile: string): string {
  return `printf 'backup-mx recipients push\\n%s' ${shellQuote(route)} | openssl dgst -sha256 -hmac "$(cat ${shellQuote(stackKeyFile)})" -r | cut -d' ' -f1 > ${shellQuote(keyFile)} && chmod 600 ${shellQuote(keyFile)}`;
}

export interface PushCommandOptions {
  keyFile?: string;
  force?: boolean;
  json?: boolean;
}

export async function recipientsPushCommandCommand(target: Target, routeName: string | undefined, options: PushCommandOptions, io: CliIo): Promise<number> {
  const trigger = target.trigger;
  if (target.kind !== 'local' || !trigger?.keyFile) {
    // The deployed endpoint (its own function URL) is not built yet: see the report of issue 22's push half.
    throw new CliError('recipients push-command: the push endpoint is served by the local runner (`npm start`) in this version; a deployed stack does not have it yet');
  }
  const rows = routesOf(target, routeName).map((route) => {
    const keyFile = options.keyFile ?? pushKeyFile(route.name);
    return { route: route.name, url: `${trigger.url}/${route.name}/recipients`, keyFile, command: pushCommand(trigger.url, route.name, keyFile, options.force === true) };
  });
  if (options.json) {
    io.out(JSON.stringify({ routes: rows }, null, 2));
    return EXIT.ok;
  }
  for (const row of rows) {
    io.err(`# route ${row.route}: its push key first (readable by the user that runs the command only):`);
    io.err(`#   ${pushKeyCommand(row.route, trigger.keyFile, row.keyFile)}`);
    io.out(row.command);
  }
  return EXIT.ok;
}
