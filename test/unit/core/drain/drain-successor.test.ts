// A drain out of time with mail left starts its successor; other stops do not.
import { describe, expect, it } from 'vitest';
import { emptySummary, type DrainSummary } from '../../../../lambdas/core/drain/drain-summary.js';
import { needsSuccessor, startSuccessor } from '../../../../lambdas/core/drain/drain-successor.js';
import type { DeliveryLog } from '../../../../lambdas/core/runtime/ports.js';
import type { DrainMode, DrainStarter } from '../../../../lambdas/core/drain/ports.js';

class RecordingStarter implements DrainStarter {
  started: [string, DrainMode | undefined][] = [];
  fail = false;
  async start(route: string, mode?: DrainMode): Promise<void> {
    if (this.fail) throw new Error('TooManyRequestsException');
    this.started.push([route, mode]);
  }
}
const lines: string[] = [];
const log: DeliveryLog = { attempt() {}, info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
const summary = (stoppedBecause: DrainSummary['stoppedBecause'], mode: DrainSummary['mode'] = 'deliver'): DrainSummary => ({ ...emptySummary('corp', mode), messages: 900, stoppedBecause });

describe('drain successor', () => {
  it('only a delivering drain stopped by its time budget needs one', () => {
    expect(needsSuccessor(summary('time-budget'))).toBe(true);
    for (const reason of ['queue-empty', 'connection-failed', 'primary-down', 'held', 'lease-held', 'queue-error', 'interrupted'] as const) {
      expect(needsSuccessor(summary(reason)), reason).toBe(false);
    }
    expect(needsSuccessor(summary('time-budget', 'sweep'))).toBe(false);
  });

  it('starts a delivering drain of the same route', async () => {
    const starter = new RecordingStarter();
    expect(await startSuccessor(summary('time-budget'), starter, log)).toBe(true);
    expect(await startSuccessor(summary('queue-empty'), starter, log)).toBe(false);
    expect(starter.started).toEqual([['corp', 'deliver']]);
  });

  it('a failed start is logged, not thrown: the probe starts the next drain', async () => {
    const starter = new RecordingStarter();
    starter.fail = true;
    lines.length = 0;
    expect(await startSuccessor(summary('time-budget'), starter, log)).toBe(false);
    expect(lines.join('\n')).toMatch(/error could not start the successor drain/);
  });
});
