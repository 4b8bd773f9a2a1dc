// The embedded emulators (fauxqs + dynalite) on a worker thread of their own,
// so the runner's drain and the emulators' request handling use two cores
// instead of sharing one event loop. Same endpoints and options as
// startEmulators; the thread answers `stop` and exits.
import { isMainThread, parentPort, Worker, workerData, threadId } from 'node:worker_threads';
import { startEmulators, type EmulatorOptions, type Emulators } from './emulators.js';

type ToThread = { stop: true };
type FromThread =
  | { ready: Omit<Emulators, 'stop'> & { threadId: number } }
  | { failed: string }
  | { stopped: true };

/** Emulators served from another thread; `threadId` names it. */
export interface ThreadedEmulators extends Emulators {
  threadId: number;
}

export class EmulatorThreadError extends Error {
  constructor(message: string) {
    super(`the emulator thread could not start: ${message}`);
    this.name = 'EmulatorThreadError';
  }
}

export async function startEmulatorsInThread(opts: EmulatorOptions = {}): Promise<ThreadedEmulators> {
  const worker = new Worker(new URL('./emulator-thread-entry.mjs', import.meta.url), { workerData: opts });
  const ready = await new Promise<Omit<Emulators, 'stop'> & { threadId: number }>((resolve, reject) => {
    const onExit = (code: number) => reject(new EmulatorThreadError(`exited with code ${code}`));
    worker.once('error', (error) => reject(new EmulatorThreadError(error.message)));
    worker.once('exit', onExit);
    worker.once('message', (message: FromThread) => {
      worker.off('exit', onExit);
      if ('ready' in message) resolve(message.ready);
      else reject(new EmulatorThreadError('failed' in message ? message.failed : 'no answer'));
    });
  });
  let stopping: Promise<void> | undefined;
  return {
    ...ready,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        const done = () => resolve();
        worker.once('exit', done);
        worker.once('message', (message: FromThread) => {
          if ('stopped' in message) void worker.terminate().then(done, done);
        });
        worker.postMessage({ stop: true } satisfies ToThread);
      });
      return stopping;
    },
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  try {
    const emulators = await startEmulators(workerData as EmulatorOptions);
    const { stop, ...described } = emulators;
    port.postMessage({ ready: { ...described, threadId } } satisfies FromThread);
    port.on('message', async (message: ToThread) => {
      if (!message.stop) return;
      await stop().catch(() => undefined);
      port.postMessage({ stopped: true } satisfies FromThread);
    });
  } catch (error) {
    port.postMessage({ failed: (error as Error).message } satisfies FromThread);
  }
}
