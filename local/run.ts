// `npm start` (`exec node --import tsx local/run.ts`: this process gets the
// signals itself, with no tsx parent to turn a busy Ctrl-C into SIGKILL):
// a working backup MX on this machine, with no other setup.
// Configuration: BACKUPMX_CONTEXT_FILE or cdk.json; see README "Try it locally".
// SIGINT, SIGTERM, SIGQUIT, SIGUSR2 or the parent (npm) going away stop it
// cleanly: no new transaction, deliveries in progress get
// BACKUPMX_STOP_WAIT_SECONDS, every port closes, the runtime file goes.
// Another signal a second later exits at once. SIGHUP reloads the
// configuration file (LocalBackupMx.reload) instead of killing the process.
import { SettingsError } from '../lambdas/config/settings.js';
import { DEFAULT_STOP_WAIT_SECONDS, LocalBackupMx, SmtpPortInUseError } from './runner/local-backup-mx.js';
import { RunnerConfigError, stopWaitSecondsFromEnv } from './runner/runner-config.js';
import { RunnerAlreadyRunningError } from './runner/runtime-lock.js';
import { StartupError } from './runner/startup-errors.js';

/** What a terminal or a supervisor sends to end a process: each one stops cleanly (SIGKILL cannot be caught). */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR2'];

async function main(): Promise<void> {
  // The SDK's notice about its 2027 Node requirement says nothing about this run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let mx: LocalBackupMx;
  let stopWaitSeconds = DEFAULT_STOP_WAIT_SECONDS;
  // Until the runner has started (its ready line comes before start() returns), a signal is
  // remembered and acted on once it has: Node's default would kill it mid-start, leaving
  // runtime.json behind. A second stop signal a second later exits at once.
  const early: { stop?: string; at?: number; reload?: boolean } = {};
  const earlyStop = (signal: NodeJS.Signals) => () => {
    if (early.at !== undefined && Date.now() - early.at >= 1_000) process.exit(130);
    early.stop ??= `${signal} received`;
    early.at ??= Date.now();
  };
  const earlyHandlers = new Map<NodeJS.Signals, () => void>([...STOP_SIGNALS.map((signal) => [signal, earlyStop(signal)] as const), ['SIGHUP', () => void (early.reload = true)]]);
  for (const [signal, handler] of earlyHandlers) process.on(signal, handler);
  try {
    stopWaitSeconds = stopWaitSecondsFromEnv(process.env);
    mx = await LocalBackupMx.start({ verbose: process.env.BACKUPMX_VERBOSE === '1' });
  } catch (error) {
    const known = [RunnerConfigError, RunnerAlreadyRunningError, SettingsError, SmtpPortInUseError, StartupError].some((kind) => error instanceof kind);
    console.error(`backup-mx local: could not start: ${known ? (error as Error).message : (error as Error).stack}`);
    process.exitCode = 1;
    return;
  }
  let firstSignalAt: number | undefined;
  const stop = (why: string) => {
    if (firstSignalAt !== undefined) {
      // Ctrl-C reaches us from the terminal and again through npm: only a
      // later one is a person insisting.
      if (Date.now() - firstSignalAt < 1_000) return;
      console.error(`backup-mx local: ${why} again, exiting without waiting`);
      process.exit(130);
    }
    firstSignalAt = Date.now();
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
  };
  for (const [signal, handler] of earlyHandlers) process.off(signal, handler);
  // The signal listeners stay: a second Ctrl-C during the stop must not kill us mid-way by default.
  for (const signal of STOP_SIGNALS) process.on(signal, () => stop(`${signal} received`));
  // Node's default for SIGHUP is to die on the spot, losing an in-memory queue.
  process.on('SIGHUP', () => {
    if (firstSignalAt !== undefined) return; // stopping: nothing to reload
    mx.reload().catch((error: Error) => console.error(`backup-mx local: reload failed: ${error.message}`));
  });
  // Started by a parent that dies without passing the signal on (a shell that does
  // not exec, Windows): stop rather than keep taking mail as an orphan.
  const parent = process.ppid;
  const parentWatch = setInterval(() => {
    if (process.ppid !== parent) stop(`parent process ${parent} exited`);
  }, 500);
  parentWatch.unref();
  if (early.stop) stop(early.stop);
  else if (early.reload) process.emit('SIGHUP', 'SIGHUP');
}

await main();
