// `flush` when the drain could not read the route's hold: it says so and fails,
// since nothing was delivered for a reason the operator must look at.
import { describe, expect, it } from 'vitest';
import { RecordingIo } from '../../../../cli/cli-io.js';
import { flushCommand } from '../../../../cli/commands/flush.js';
import { EXIT } from '../../../../cli/errors.js';
import type { Target } from '../../../../cli/target.js';
import { InMemoryRouteState, ManualClock } from '../../../../lambdas/adapters/fakes/index.js';
import { emptySummary, type StopReason } from '../../../../lambdas/core/drain/drain-summary.js';

/** Just what flush reads: the routes, the drain, the log hook and the operator's reads of the route for its explanations. */
function targetStopping(reason: StopReason): Target {
  const routeState = new InMemoryRouteState();
  const clock = new ManualClock();
  return {
    kind: 'local',
    label: 'local',
    region: 'us-east-1',
    settings: { routes: [{ name: 'main' }] },
    operator: { routeHold: (route: string) => routeState.hold(route), primaryHealth: (route: string) => routeState.health(route), now: () => clock.now() },
    log: {},
    drain: async (route: string) => ({ ...emptySummary(route, 'deliver'), stoppedBecause: reason }),
    close() {},
  } as unknown as Target;
}

describe('flush and an unreadable hold', () => {
  it('exits 1 and says the hold could not be read and nothing was delivered', async () => {
    const io = new RecordingIo();
    expect(await flushCommand(targetStopping('hold-unknown'), 'main', {}, io)).toBe(EXIT.failed);
    const text = io.stdout.join('\n');
    expect(text).toContain('(stopped: hold-unknown)');
    expect(text).toContain('the hold of route main could not be read, so it was treated as held and nothing was delivered');
  });

  it('exits 0 for an empty queue', async () => {
    expect(await flushCommand(targetStopping('queue-empty'), 'main', {}, new RecordingIo())).toBe(EXIT.ok);
  });
});
