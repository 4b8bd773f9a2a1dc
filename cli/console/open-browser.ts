// `backup-mx console --open`: hands the console's URL to the desktop's own
// opener (xdg-open, open, or Windows' URL handler) as one argument of a
// spawned program, never through a shell, so nothing in the URL is ever
// interpreted. The URL is printed whatever happens here.
import { spawn } from 'node:child_process';

/** A program and its leading arguments; the URL is appended as the last one. */
export interface Opener {
  command: string;
  args: readonly string[];
}

/** The platform's way to open a URL in the user's default browser. */
export function platformOpener(platform: NodeJS.Platform = process.platform): Opener {
  if (platform === 'darwin') return { command: 'open', args: [] };
  // `start` is a cmd.exe builtin (a shell); the URL protocol handler is a plain program.
  if (platform === 'win32') return { command: 'rundll32', args: ['url.dll,FileProtocolHandler'] };
  return { command: 'xdg-open', args: [] };
}

/** How long an opener may take to say it failed; one still running then (a browser it became) is left to run. */
const SETTLE_MS = 5_000;

/**
 * Runs the opener on `url`; resolves undefined when it started the browser (it
 * exited 0, or is still running after `settleMs`), else why it failed, for
 * the operator's terminal. It never rejects: failing to open is not an error.
 */
export function openInBrowser(url: string, opener: Opener = platformOpener(), settleMs = SETTLE_MS): Promise<string | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (why: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(why);
    };
    const child = spawn(opener.command, [...opener.args, url], { stdio: 'ignore', detached: true, shell: false, windowsHide: true });
    const timer = setTimeout(() => {
      child.unref();
      done(undefined);
    }, settleMs);
    child.once('error', (error: NodeJS.ErrnoException) => done(`${opener.command}: ${error.code ?? error.message}`));
    child.once('exit', (code, signal) => done(code === 0 ? undefined : `${opener.command} exited with ${signal ?? `code ${code}`}`));
  });
}
