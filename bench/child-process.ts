// Runs a bench helper (emulators, SMTP sink) in its own Node process, so it
// gets its own core and its memory does not count in the relay's RSS. A tiny
// request/reply protocol over the IPC channel; children may also push events.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BENCH } from './bench-variables.js';

export interface ChildRequest {
  id: number;
  command: string;
  args?: unknown;
}

export type ChildMessage = { id: number; result?: unknown; error?: string } | { event: string; data?: unknown };

export class BenchChild {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<string, ((data: unknown) => void)[]>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: ChildMessage) => {
      if ('event' in message) {
        for (const listener of this.listeners.get(message.event) ?? []) listener(message.data);
        return;
      }
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(message.error));
      else waiter?.resolve(message.result);
    });
    child.on('exit', (code) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`bench child exited (${code})`));
      this.pending.clear();
    });
  }

  /** Starts `bench/<file>` under tsx; resolves once it answered 'ready'. */
  static async start(file: string): Promise<BenchChild> {
    const child = fork(fileURLToPath(new URL(file, import.meta.url)), [], {
      // BENCH_CPU_PROF=<dir>: a V8 CPU profile of every bench child, written there when it exits.
      execArgv: ['--import', 'tsx', '--no-warnings', ...(BENCH.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${BENCH.cpuProfileDir}`] : [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const bench = new BenchChild(child);
    await bench.call('ready');
    return bench;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** CPU seconds the child has used so far (Linux /proc; undefined elsewhere). */
  cpuSeconds(): number | undefined {
    try {
      const fields = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (100/s)
    } catch {
      return undefined;
    }
  }

  call<T = unknown>(command: string, args?: unknown): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, command, args } satisfies ChildRequest);
    });
  }

  on(event: string, listener: (data: unknown) => void): void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    await this.call('exit').catch(() => undefined);
    await new Promise<void>((resolve) => (this.child.exitCode !== null ? resolve() : this.child.once('exit', () => resolve())));
  }
}

/** The child's side: answers requests with `handlers`, exits on 'exit'. */
export function serveChild(handlers: Record<string, (args: any) => unknown>): void {
  process.on('message', async (request: ChildRequest) => {
    if (request.command === 'exit') {
      await handlers.exit?.(undefined);
      process.send!({ id: request.id, result: true }, () => process.exit(0));
      return;
    }
    try {
      const handler = request.command === 'ready' ? () => true : handlers[request.command];
      if (!handler) throw new Error(`unknown command ${request.command}`);
      process.send!({ id: request.id, result: await handler(request.args) });
    } catch (error) {
      process.send!({ id: request.id, error: (error as Error).message });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

/** From a child: pushes an event to the parent. */
export function emit(event: string, data?: unknown): void {
  process.send?.({ event, data });
}
