// `backup-mx notices` and `show` against a local backup MX (dynalite, the
// runner's file-writing bounce mailer): a route allowed one notice an hour
// sends the first DSN, holds the second for the operator, and suppresses the
// one whose return path did not authenticate; the operator lists, sends and
// discards through the CLI, and `show` says what became of each notice.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NoticesOverview } from '../../../lambdas/core/operator/held-notices-admin.js';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';

describe('backup-mx notices (local)', () => {
  let fx: LocalFixture;
  beforeAll(async () => {
    fx = await startLocalFixture({ bouncePolicy: 'dsn', dsnPerHour: 1 });
  });
  afterAll(async () => {
    await fx?.stop();
  });

  const bounceFiles = async () => (await readdir(join(fx.dataDir, 'bounces')).catch(() => [] as string[])).filter((f) => f.endsWith('.eml'));

  it('one DSN within the budget, the next held, a forged one suppressed; the operator sends, discards and reads it in show', async () => {
    fx.primary.script = { rcpt: { 'gone@example.com': { code: 550, enhanced: '5.1.1', text: 'no such user' } } };
    const first = await fx.queue({ recipients: ['gone@example.com'], sender: 'alice@sender.example' });
    const forged = await fx.queue({ recipients: ['gone@example.com'], sender: 'victim@victim.example', verdicts: { spf: 'GRAY', dkim: 'GRAY', dmarc: 'GRAY' } });
    const second = await fx.queue({ recipients: ['gone@example.com'], sender: 'carol@sender.example' });
    const third = await fx.queue({ recipients: ['gone@example.com'], sender: 'dave@sender.example' });
    expect((await fx.cli('flush', 'main')).code).toBe(0);
    expect(await bounceFiles()).toHaveLength(1);

    const listed = await fx.cli('notices', '--json');
    expect(listed.code).toBe(0);
    const overview = listed.io.json<NoticesOverview>();
    expect(overview.sending).toBeUndefined(); // no SES configuration set in a local run
    const main = overview.routes.find((r) => r.route === 'main')!;
    expect(main).toMatchObject({ perHour: 1, usedThisHour: 1 });
    // Which of the three goes first is the queue's business: exactly one DSN, the other two held.
    const heldIds = main.held.map((n) => n.messageId);
    expect(heldIds).toHaveLength(2);
    const [firstSent, ...others] = [first, second, third].filter((id) => !heldIds.includes(id));
    expect(others).toEqual([]);
    const [toSend, toDiscard] = heldIds as [string, string];
    const toSendSender = main.held[0]!.to;
    expect(JSON.stringify(main.held)).not.toContain('MAILER-DAEMON'); // the raw notice stays out of the listing

    const human = await fx.cli('notices', '--route', 'main');
    expect(human.io.text).toContain('route main: 2 held, budget 1 an hour, 1 sent this hour');
    expect(human.io.text).toMatch(new RegExp(`${toSend}\\s+bounce\\s+<${toSendSender.replace(/\./g, '\\.')}>\\s+<gone@example\\.com>\\s+budget`));

    const shown = async (id: string) => (await fx.cli('show', id)).io.text;
    expect(await shown(firstSent!)).toContain('notice       <gone@example.com>: DSN sent to the sender');
    expect(await shown(forged)).toMatch(/notice {7}<gone@example\.com>: suppressed, no DSN: return path not authenticated \(SPF GRAY/);
    expect(await shown(toSend)).toContain("held for the operator (`backup-mx notices`): the route's hourly notice budget was spent");

    const sent = await fx.cli('notices', 'send', toSend);
    expect(sent.code).toBe(0);
    expect(sent.io.text).toContain(`sent bounce notice for ${toSend} (route main) to <${toSendSender}>`);
    expect(await bounceFiles()).toHaveLength(2);
    expect(await shown(toSend)).toContain('notice       <gone@example.com>: DSN sent to the sender');

    const refused = await fx.cli('notices', 'discard', '--all');
    expect(refused.code).toBe(2);
    expect(refused.io.stderr.join('\n')).toMatch(/pass --yes/);
    const discarded = await fx.cli('notices', 'discard', '--all', '--yes');
    expect(discarded.io.text).toContain('1 discarded');
    expect(await shown(toDiscard)).toContain('held, then discarded by the operator');
    expect((await fx.cli('notices', '--json')).io.json<NoticesOverview>().routes.every((r) => r.held.length === 0)).toBe(true);
    expect(await bounceFiles()).toHaveLength(2);
  });

  it('send needs ids or --all; resume says a local run has no configuration set', async () => {
    expect((await fx.cli('notices', 'send')).code).toBe(2);
    const resume = await fx.cli('notices', 'resume');
    expect(resume.code).toBe(1);
    expect(resume.io.stderr.join('\n')).toMatch(/no SES configuration set/);
  });
});
