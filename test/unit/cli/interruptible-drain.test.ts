// Ctrl-C during a local flush: the route's lease is given back before exit 130.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { InMemoryRouteState } from '../../../lambdas/adapters/fakes/index.js';
import type { DrainSummary } from '../../../lambdas/core/drain/drain-summary.js';
import { INTERRUPTED_EXIT, interruptibleDrain } from '../../../cli/interruptible-drain.js';
import { LOCAL_FLUSH_BUDGET_SECONDS } from '../../../cli/local-target.js';

/** Stands in for `process`: signals are emitted by the test, exit is recorded. */
class FakeProcess extends EventEmitter {
  readonly exits: number[] = [];
  exited = new Promise<number>((resolve) => this.once('exited', resolve));
  exit(code: number): void {
    this.exits.push(code);
    this.emit('exited', code);
  }
}

const OWNER = 'backup-mx-cli-4242';

describe('interruptibleDrain', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} during the drain releases the lease, then exits 130`, async () => {
      const state = new InMemoryRouteState();
      const host = new FakeProcess();
      const now = new Date();
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      void interruptibleDrain(state, 'main', OWNER, async () => {
        await state.acquireLease('main', OWNER, now, new Date(now.getTime() + 600_000));
        started();
        return new Promise<DrainSummary>(() => {}); // stuck in delivery, as when Ctrl-C comes
      }, host, { waitMs: 50 });
      await running;
      expect(state.leases.get('main')?.owner).toBe(OWNER);

      host.emit(signal);
      expect(await host.exited).toBe(INTERRUPTED_EXIT);
      expect(state.leases.has('main')).toBe(false);
    });
  }

  it('leaves another owner’s lease alone and still exits', async () => {
    const state = new InMemoryRouteState();
    const host = new FakeProcess();
    const now = new Date();
    await state.acquireLease('main', 'runner', now, new Date(now.getTime() + 600_000));
    void interruptibleDrain(state, 'main', OWNER, () => new Promise<DrainSummary>(() => {}), host, { waitMs: 50 });
    host.emit('SIGINT');
    expect(await host.exited).toBe(130);
    expect(state.leases.get('main')?.owner).toBe('runner');
  });

  it('a drain that honours the signal releases what it received, says so, then exits 130', async () => {
    const host = new FakeProcess();
    const lines: string[] = [];
    let signalled!: AbortSignal;
    const result = interruptibleDrain(new InMemoryRouteState(), 'main', OWNER, (_route, signal) => {
      signalled = signal;
      return new Promise<DrainSummary>((resolve) =>
        signal.addEventListener('abort', () => setTimeout(() => resolve({ route: 'main', delivered: 2, released: 3 } as DrainSummary), 20)),
      );
    }, host, { say: (line) => lines.push(line), waitMs: 5_000 });
    host.emit('SIGINT');
    expect(signalled.aborted).toBe(true);
    expect(lines[0]).toMatch(/interrupted; finishing the deliveries in progress \(at most 5 s\)/);
    expect(host.exits).toEqual([]); // not before the drain gave its messages back
    await result;
    expect(host.exits).toEqual([130]);
    expect(lines[1]).toBe('flush main: interrupted after 2 delivered; 3 messages given back to the queue, ready for the next drain or flush');
  });

  it('a second signal exits at once, without waiting for the deliveries', async () => {
    const host = new FakeProcess();
    void interruptibleDrain(new InMemoryRouteState(), 'main', OWNER, () => new Promise<DrainSummary>(() => {}), host, { waitMs: 60_000 });
    host.emit('SIGINT');
    host.emit('SIGINT');
    expect(await host.exited).toBe(130);
  });

  it('removes its handlers once the drain is over, so a later signal is not swallowed', async () => {
    const host = new FakeProcess();
    const summary = { route: 'main' } as DrainSummary;
    await expect(interruptibleDrain(new InMemoryRouteState(), 'main', OWNER, async () => summary, host)).resolves.toBe(summary);
    expect(host.listenerCount('SIGINT')).toBe(0);
    expect(host.listenerCount('SIGTERM')).toBe(0);
    expect(host.exits).toEqual([]);
  });

  it('a local flush has a short budget, so a lease left by kill -9 does not block the runner for long', () => {
    expect(LOCAL_FLUSH_BUDGET_SECONDS).toBeLessThanOrEqual(120);
  });
});
