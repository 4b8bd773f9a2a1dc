// `npm start`: a working backup MX on this machine, with no other setup.
// Configuration: BACKUPMX_CONTEXT_FILE or cdk.json; see README "Try it locally".
// Stops cleanly on Ctrl-C / SIGTERM (another one a second later exits at once).
import { SettingsError } from '../lambdas/config/settings.js';
import { LocalBackupMx, SmtpPortInUseError } from './runner/local-backup-mx.js';
import { RunnerConfigError } from './runner/runner-config.js';
import { RunnerAlreadyRunningError } from './runner/runtime-lock.js';

async function main(): Promise<void> {
  // The SDK's notice about its 2027 Node requirement says nothing about this run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let mx: LocalBackupMx;
  try {
    mx = await LocalBackupMx.start({ verbose: process.env.BACKUPMX_VERBOSE === '1' });
  } catch (error) {
    const known = [RunnerConfigError, RunnerAlreadyRunningError, SettingsError, SmtpPortInUseError].some((kind) => error instanceof kind);
    console.error(`backup-mx local: could not start: ${known ? (error as Error).message : (error as Error).stack}`);
    process.exitCode = 1;
    return;
  }
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt !== undefined) {
      // Ctrl-C reaches us from the terminal and again through npm and tsx: only a
      // later one is a person insisting.
      if (Date.now() - firstSignalAt < 1_000) return;
      console.error(`backup-mx local: second ${signal}, exiting without waiting`);
      process.exit(130);
    }
    firstSignalAt = Date.now();
    console.log(`\nbackup-mx local: ${signal} received, stopping`);
    mx.stop().then(
      () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        // Every port is closed; a stray keep-alive handle must not keep the process up.
        setTimeout(() => process.exit(0), 2_000).unref();
      },
      (error: Error) => {
        console.error(`backup-mx local: error while stopping: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

await main();
