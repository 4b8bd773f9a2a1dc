// Maintenance windows through the CLI against a real local backup MX (emulators,
// a scripted primary on loopback): schedule one, status shows it (text and
// --json, the current one marked), a flush inside it delivers nothing with the
// primary up, release --window removes it and the mail goes; bad input is
// refused naming the flag.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteStatus } from '../../../cli/commands/status.js';
import { EXIT } from '../../../cli/errors.js';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';

describe('backup-mx hold --until / release --window (local)', () => {
  let fx: LocalFixture;

  beforeAll(async () => {
    fx = await startLocalFixture();
  });
  afterAll(async () => {
    await fx?.stop();
  });

  const mainStatus = async () => (await fx.cli('status', '--json')).io.json<RouteStatus[]>().find((s) => s.route === 'main')!;

  it('schedules windows, shows them, holds delivery inside one, and release --window ends it', async () => {
    const now = await fx.cli('hold', 'main', '--until', '+1h', '--reason', 'kernel update');
    expect(now.code).toBe(0);
    const currentId = /maintenance window (w[0-9a-z]{6}) from/.exec(now.io.text)?.[1];
    expect(currentId).toBeDefined();
    expect(now.io.text).toContain(`backup-mx release main --window ${currentId}`);
    const later = await fx.cli('hold', 'main', '--from', '+2h', '--until', '+3h');
    expect(later.code).toBe(0);
    const laterId = /maintenance window (w[0-9a-z]{6}) from/.exec(later.io.text)![1]!;

    const json = await mainStatus();
    expect(json.held).toBe(false); // the operator's hold is a separate thing
    expect(json.windows).toEqual([
      { id: currentId, from: expect.any(String), until: expect.any(String), reason: 'kernel update', current: true },
      { id: laterId, from: expect.any(String), until: expect.any(String), current: false },
    ]);
    expect(new Date(json.windows[1]!.from).getTime() - new Date(json.windows[0]!.from).getTime()).toBeGreaterThan(7_100_000);
    const text = (await fx.cli('status', '--route', 'main')).io.text;
    expect(text).toMatch(new RegExp(`window ${currentId}, 59m \\d+s left`));
    expect(text).toMatch(new RegExp(`main ${currentId} NOW until \\S+ \\(59m \\d+s left\\): kernel update`));
    expect(text).toMatch(new RegExp(`main ${laterId} from \\S+ until \\S+ \\(in 1h 59m\\)`));

    // Inside the window with the primary up: nothing goes out, and flush says why.
    await fx.queue({ recipients: ['gina@example.com'] });
    const flush = await fx.cli('flush', 'main');
    expect(flush.io.text).toContain('stopped: held');
    expect(flush.io.text).toContain(`inside maintenance window ${currentId}`);
    expect(fx.primary.messagesFor('gina@example.com')).toHaveLength(0);
    // A plain release lifts no window, and says which one is on.
    const plain = await fx.cli('release', 'main');
    expect(plain.io.text).toContain(`backup-mx release main --window ${currentId}`);

    const cancel = await fx.cli('release', 'main', '--window', currentId!, '--flush');
    expect(cancel.code).toBe(0);
    expect(cancel.io.text).toContain('it was on, so it ends now');
    expect(fx.primary.messagesFor('gina@example.com')).toHaveLength(1);
    expect((await mainStatus()).windows.map((w) => w.id)).toEqual([laterId]);
    expect((await fx.cli('release', 'main', '--window', laterId)).code).toBe(0);
    expect((await mainStatus()).windows).toEqual([]);
    expect((await fx.cli('status')).io.text).not.toContain('maintenance windows');
  });

  it.each([
    [['--until', '2h'], '--until: "2h" means 2h ago; write +2h'],
    [['--from', '+2h', '--until', '+1h'], '--until: must be after --from'],
    [['--until', '+40d'], '--until: the window lasts 40 d, longer than the queue lifetime'],
    [['--from', '+1h'], '--until: required with --from'],
    [['--until', 'tomorrow'], '--until: expected an ISO 8601 time'],
    [['--until', '2020-01-01T00:00:00Z'], '--until: 2020-01-01T00:00:00.000Z is in the past'],
  ])('hold main %j is refused naming the flag, and stores nothing', async (args, message) => {
    const refused = await fx.cli('hold', 'main', ...args);
    expect(refused.code).toBe(EXIT.usage);
    expect([...refused.io.stdout, ...refused.io.stderr].join("\n")).toContain(message);
    expect((await mainStatus()).windows).toEqual([]);
  });

  it('release --window with an unknown id is refused, naming the flag', async () => {
    const refused = await fx.cli('release', 'main', '--window', 'wnope00');
    expect(refused.code).toBe(EXIT.usage);
    expect([...refused.io.stdout, ...refused.io.stderr].join("\n")).toContain('--window: route main has no maintenance window wnope00');
  });
});
