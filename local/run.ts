// `npm start` (`exec node --import tsx local/run.ts`: this process gets the
// signals itself, with no tsx parent to turn a busy Ctrl-C into SIGKILL):
// a working backup MX on this machine, with no other setup.
// Configuration: BACKUPMX_CONTEXT_FILE or cdk.json; see README "Try it locally".
// SIGINT, SIGTERM, SIGQUIT, SIGUSR2 or the parent (npm) going away stop it
// cleanly: no new transaction, deliveries in progress get
// BACKUPMX_STOP_WAIT_SECONDS, every port closes, the runtime file goes.
// Another signal a second later exits at once. SIGHUP reloads the
// configuration file (LocalBackupMx.reload) instead of killing the process.
// runner/process-signals.ts says how signals during the start are kept.
import { SettingsError } from '../lambdas/config/settings.js';
import { DEFAULT_STOP_WAIT_SECONDS, LocalBackupMx, SmtpPortInUseError } from './runner/local-backup-mx.js';
import { listenForSignals } from './runner/process-signals.js';
import { PROJECT_ROOT, RunnerConfigError, runnerProcessEnv, silenceSdkNodeNotice, stopWaitSecondsFromEnv, verboseFromEnv } from './runner/runner-config.js';
import { RunnerAlreadyRunningError } from './runner/runtime-lock.js';
import { StartupError } from './runner/startup-errors.js';

async function main(): Promise<void> {
  const env = runnerProcessEnv();
  silenceSdkNodeNotice(env);
  const signals = listenForSignals();
  let mx: LocalBackupMx;
  let stopWaitSeconds = DEFAULT_STOP_WAIT_SECONDS;
  try {
    stopWaitSeconds = stopWaitSecondsFromEnv(env);
    // The pointer in this checkout's .backup-mx/runners/ lets `backup-mx --local` find this runner from any directory of it.
    mx = await LocalBackupMx.start({ env, verbose: verboseFromEnv(env), pointerRoot: PROJECT_ROOT });
  } catch (error) {
    const known = [RunnerConfigError, RunnerAlreadyRunningError, SettingsError, SmtpPortInUseError, StartupError].some((kind) => error instanceof kind);
    console.error(`backup-mx local: could not start: ${known ? (error as Error).message : (error as Error).stack}`);
    process.exitCode = 1;
    return;
  }
  // Started by a parent that dies without passing the signal on (a shell that does
  // not exec, Windows): stop rather than keep taking mail as an orphan.
  const parent = process.ppid;
  const parentWatch = setInterval(() => {
    if (process.ppid !== parent) signals.stop(`parent process ${parent} exited`);
  }, 500);
  parentWatch.unref();
  signals.ready({
    stop(why) {
      clearInterval(parentWatch);
      console.log(`\nbackup-mx local: ${why}, stopping`);
      mx.stop({ stopWaitMs: stopWaitSeconds * 1000 }).then(
        () => {
          // Every port is closed; a stray keep-alive handle must not keep the process up.
          setTimeout(() => process.exit(0), 2_000).unref();
        },
        (error: Error) => {
          console.error(`backup-mx local: error while stopping: ${error.message}`);
          process.exit(1);
        },
      );
    },
    reload() {
      mx.reload().catch((error: Error) => console.error(`backup-mx local: reload failed: ${error.message}`));
    },
  });
}

await main();
