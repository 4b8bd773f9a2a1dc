// The signals `npm start` answers, wired once for the life of the process.
// Until the runner has started, a signal is remembered and acted on once it
// has (Node's default would kill it mid-start, leaving runtime.json behind).
// Listeners are never swapped: removing a signal's last listener restores
// Node's default (death) and drops a signal already caught but not yet
// handled, which left a runner running on, deaf to the stop it was sent.

/** What a terminal or a supervisor sends to end a process: each one stops cleanly (SIGKILL cannot be caught). */
export const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR2'];

export interface SignalActions {
  /** Begins the clean stop; called once. */
  stop(why: string): void;
  /** SIGHUP: reread the configuration. */
  reload(): void;
}

export interface ProcessSignals {
  /** The runner has started: a remembered signal is acted on now, later ones at once. */
  ready(actions: SignalActions): void;
  /** A stop for a reason that is not a signal (the parent went away). */
  stop(why: string): void;
}

/** Installs the listeners; `exit` ends the process when a person insists (a second stop a second later). */
export function listenForSignals(exit: (code: number) => never = (code) => process.exit(code)): ProcessSignals {
  let actions: SignalActions | undefined;
  let firstStopAt: number | undefined;
  let pending: { stop?: string; reload?: boolean } = {};
  const stop = (why: string) => {
    if (firstStopAt !== undefined) {
      // Ctrl-C reaches us from the terminal and again through npm: only a
      // later one is a person insisting.
      if (Date.now() - firstStopAt < 1_000) return;
      console.error(`backup-mx local: ${why} again, exiting without waiting`);
      exit(130);
    }
    firstStopAt = Date.now();
    if (actions) actions.stop(why);
    else pending.stop = why;
  };
  const reload = () => {
    if (firstStopAt !== undefined) return; // stopping: nothing to reload
    if (actions) actions.reload();
    else pending.reload = true;
  };
  // The stop listeners stay during the stop: a second Ctrl-C must not kill us mid-way by default.
  for (const signal of STOP_SIGNALS) process.on(signal, () => stop(`${signal} received`));
  // Node's default for SIGHUP is to die on the spot, losing an in-memory queue.
  process.on('SIGHUP', reload);
  return {
    ready(started) {
      actions = started;
      const remembered = pending;
      pending = {};
      if (remembered.stop) started.stop(remembered.stop);
      else if (remembered.reload) started.reload();
    },
    stop,
  };
}
