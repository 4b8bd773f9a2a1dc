// --local: the backup MX of `npm start`, found through the runtime file it
// writes in its data directory (runtime-lookup.ts says where it is looked
// for). The command then works as that runner does: its data dir, its
// routes, its secrets file; --data-dir and BACKUPMX_LOCAL_SECRETS set here win.
import path from 'node:path';
import { createAwsClients } from '../lambdas/adapters/aws/clients.js';
import { composeBackupMx } from '../lambdas/app/composition.js';
import { loadSettings, settingsToEnv } from '../lambdas/config/settings.js';
import { LocalBounceMailer } from '../local/runner/local-bounce-mailer.js';
import { LocalForwarder } from '../local/runner/local-forwarder.js';
import { assertOwnFile, isProcessAlive, readRuntimeInfo, runtimeFilePath, UntrustedRuntimeFileError, UNUSED_SERVICE_ENDPOINT, type RuntimeInfo } from '../local/runtime-file.js';
import { SecretsSmtpAuth } from '../lambdas/adapters/aws/secrets-smtp-auth.js';
import { SecretsArcKeySource } from '../lambdas/adapters/arc/arc-key.js';
import { MailSpool } from '../local/snapshot.js';
import { LOCAL_RECIPIENT_RULES } from '../local/ses-standin/synced-lists.js';
import { PUSH_KEY_FILE, TRIGGER_KEY_FILE } from '../local/runner/trigger-listener.js';
import type { CliEnv } from './cli-env.js';
import { CliLog, SilentMetrics } from './cli-log.js';
import { CliError, NoTargetError } from './errors.js';
import { interruptibleDrain } from './interruptible-drain.js';
import { narratedLog, narratedRouteState } from './local-activity.js';
import { PROJECT_ROOT, RUNNER_ENV } from '../local/runner/runner-config.js';
import { lookUpRuntimeDir, RUNTIME_DIR_NAME } from './runtime-lookup.js';
import type { Target, TargetOptions } from './target.js';
import { assertSecretsReadable, localSecretsFor, type LocalSecretsChoice } from './local-secrets-source.js';

/**
 * Seconds a flush may run before it stops taking new messages. Short: the
 * route's lease outlives it by the SMTP timeout plus a margin, and a flush
 * killed without its signal handler (kill -9) blocks the runner's drains that long.
 */
export const LOCAL_FLUSH_BUDGET_SECONDS = 120;


export async function localTarget(
  options: TargetOptions,
  err: (line: string) => void,
  env: CliEnv,
): Promise<Target> {
  const lookup = lookUpRuntimeDir(options.dataDir ? { dataDir: options.dataDir } : env);
  for (const note of lookup.notes) err(`backup-mx: note: ${note}`);
  // The runtime-file helpers are shared with the runner, which names its directory by this variable.
  const lookupEnv = { [RUNNER_ENV.dataDir]: lookup.dir };
  const file = runtimeFilePath(lookupEnv);
  const info = await readRuntimeInfo(lookupEnv);
  if (!info) {
    const where = lookup.searched.length > 1 ? `no ${RUNTIME_DIR_NAME}/runtime.json in ${process.cwd()}, its parent directories or ${PROJECT_ROOT}` : `${file} does not exist`;
    throw new NoTargetError(
      `no local backup MX is running: ${where}. Start one with \`npm start\`, ` +
        'or point --data-dir (or BACKUPMX_DATA_DIR) at the data directory it uses',
    );
  }
  if (!isProcessAlive(info.pid)) {
    throw new NoTargetError(
      `no local backup MX is running: ${file} names process ${info.pid}, which has exited. Start it again with \`npm start\``,
    );
  }
  try {
    await assertOwnFile(file);
  } catch (error) {
    throw error instanceof UntrustedRuntimeFileError ? new CliError(error.message) : error;
  }
  return buildLocalTarget(info, options, err, path.dirname(file), env);
}

/** `runtimeDir` is where the runtime file was found: the runner keeps its bounce notices there too. */
export function buildLocalTarget(info: RuntimeInfo, options: TargetOptions, err: (line: string) => void, runtimeDir: string | undefined, env: Pick<CliEnv, 'localSecrets'>): Target {
  // Through loadSettings, so a hand-edited or outdated file fails with the field it lacks.
  const settings = loadSettings(settingsToEnv(info.settings));
  // With LocalStack every service shares one endpoint, which also serves these three.
  const { s3, sqs, sns, dynamodb } = info.endpoints;
  const shared = s3 === sqs && sqs === sns && sns === dynamodb ? s3 : undefined;
  const unused = shared ?? UNUSED_SERVICE_ENDPOINT;
  // An empty env: emulators take the local stand-in credentials, never the operator's AWS ones.
  const clients = createAwsClients({
    region: info.region,
    endpoints: { ...info.endpoints, ses: unused, lambda: unused, secretsManager: unused },
    env: {},
  });
  const log = new CliLog(err, options.verbose);
  const bounceDir = path.join(info.dataDir ?? runtimeDir ?? path.resolve('.backup-mx'), 'bounces');
  // As in the runner: DSNs are kept as files, a local run never mails strangers through SES.
  const bounces = new LocalBounceMailer(bounceDir, (file, envelope) =>
    err(`bounce notice to ${envelope.to.map((to) => `<${to}>`).join(', ')} written to ${file} (local runs send no mail through SES)`),
  );
  // AUTH and ARC secrets: BACKUPMX_LOCAL_SECRETS set here, else the runner's file; with LocalStack, its Secrets Manager.
  const chosen = localSecretsFor(info, env);
  const secrets: LocalSecretsChoice =
    chosen.origin || !shared ? chosen : { source: Object.assign(new SecretsSmtpAuth(clients.secrets), { privateKey: (name: string) => new SecretsArcKeySource(clients.secrets).privateKey(name) }) };
  const { engine, operator, deps } = composeBackupMx(settings, {
    clients,
    log: runtimeDir ? narratedLog(log, runtimeDir) : log,
    metrics: new SilentMetrics(),
    bounces,
    // A forward goes to the same outbox: a local run mails no one through SES.
    forwarder: new LocalForwarder(bounceDir, (file, to) => err(`forward to ${to.map((a) => `<${a}>`).join(', ')} written to ${file} (local runs send no mail through SES)`)),
    auth: secrets.source,
    arcKeys: secrets.source,
    // The stand-in reads the stored lists itself: a push needs no rules written.
    recipientRules: { rules: LOCAL_RECIPIENT_RULES },
    // The runner's console shows what this command changes (holds, a primary marked down).
    ...(runtimeDir ? { observe: { routeState: (inner) => narratedRouteState(inner, runtimeDir) } } : {}),
  });
  const owner = `backup-mx-cli-${process.pid}`;
  return {
    kind: 'local',
    label: `local backup MX (pid ${info.pid}${info.dataDir ? `, data in ${info.dataDir}` : ''})`,
    region: info.region,
    settings,
    engine,
    operator,
    log,
    bounceDir,
    ...(info.triggerPort ? { trigger: { url: `http://127.0.0.1:${info.triggerPort}`, keyFile: path.join(info.dataDir ?? runtimeDir ?? path.resolve('.backup-mx'), TRIGGER_KEY_FILE) } } : {}),
    // The runner serves the push on the trigger's listener.
    ...(info.triggerPort ? { recipientPush: { url: `http://127.0.0.1:${info.triggerPort}`, keyFile: path.join(info.dataDir ?? runtimeDir ?? path.resolve('.backup-mx'), PUSH_KEY_FILE) } } : {}),
    // The runner's spool exists only with a data dir; `delete` must clear it or a restart restores the message.
    ...(info.dataDir ? { spool: MailSpool.inDataDir(info.dataDir) } : {}),
    ...(info.configFile ? { configFile: { file: info.configFile, cdkJson: info.configFromCdkJson === true, ...(info.configDigest ? { digest: info.configDigest } : {}) } } : {}),
    checkSecrets: (route, needs) => assertSecretsReadable(route, secrets, needs),
    // The route's lease keeps this from running at the same time as the runner's own drain.
    drain: async (route) => {
      const known = settings.routes.find((r) => r.name === route);
      if (known) await assertSecretsReadable(known, secrets, { arc: true });
      return interruptibleDrain(
        deps.routeState,
        route,
        owner,
        (r, signal) => engine.drain({ route: r, mode: 'deliver' }, { owner, budgetSeconds: LOCAL_FLUSH_BUDGET_SECONDS, signal }),
        process,
        { say: err },
      );
    },
    close: () => clients.destroy(),
  };
}
