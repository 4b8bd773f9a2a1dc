// A route whose allow-list is longer than SES's 100 recipients a rule is split
// over several receipt rules, and SES sends one notification per rule that
// matched, under one message id, each with only its rule's recipients. Through
// the local backup MX (its SES stand-in mirrors the split): a message to one
// address in each of two rules is two copies on the route's queue, and no copy
// is lost: mailq shows both, both are delivered, both are dead-lettered by a
// 5xx primary (bouncePolicy dead-letter) and one `requeue` restores both,
// and a replay sends both again.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../cli/cli-io.js';
import { main } from '../../cli/main.js';
import { receiptRuleChunks } from '../../lib/config/receipt-rule-chunks.js';
import type { LocalBackupMx } from '../../local/runner/local-backup-mx.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { cleanups, clientMessage, queueId, runnerEnv, sendMail, startMx, tempDir, waitFor } from '../support/runner/e2e-support.js';

const ROUTE = 'big';
const allowed = Array.from({ length: 150 }, (_, i) => `user${String(i).padStart(3, '0')}@example.com`);
const chunks = receiptRuleChunks({ domains: ['example.com'], recipients: allowed });
/** The n-th address of the first and of the second receipt rule. */
const pair = (n: number) => [chunks[0]![n]!, chunks[1]![n]!];

describe('a route split over two receipt rules loses no copy of a message', () => {
  const cleanup = cleanups();
  let primary: ScriptedPrimary;
  let mx: LocalBackupMx;
  let lines: string[];
  let dataDir: string;
  const cli = async (...args: string[]) => {
    const io = new RecordingIo();
    const code = await main(['--local', '--data-dir', dataDir, ...args], { io });
    return { code, io };
  };
  const delivered = async (id: string, recipients: string[]) => {
    const outcomes = await mx.composed.deps.ledger.outcomes(id);
    return recipients.every((r) => outcomes.get(r)?.state === 'delivered');
  };
  let firstWindow: { since: Date; until: Date };
  let firstId: string;

  beforeAll(async () => {
    expect(chunks.map((c) => c.length)).toEqual([100, 50]); // two rules, as the stack makes them
    primary = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => primary.stop());
    const dir = await tempDir(cleanup, 'split-rules');
    dataDir = path.join(dir, 'data');
    const contextFile = path.join(dir, 'context.json');
    const route = { name: ROUTE, domains: ['example.com'], recipients: allowed, bouncePolicy: 'dead-letter', primary: { host: '127.0.0.1', port: primary.port, tls: 'none' } };
    await writeFile(contextFile, JSON.stringify({ backupMx: { region: 'us-east-1', hostname: 'backup-mx.e2e.test', routes: [route] } }));
    ({ mx, lines } = await startMx(runnerEnv(contextFile, { BACKUPMX_DATA_DIR: dataDir }), cleanup, true));
    await waitFor('the probe to see the primary up', () => lines.some((l) => l.includes(`primary ${ROUTE} up`)));
  });

  afterAll(() => cleanup.run());

  it('queues one copy per rule: mailq lists both copies\' recipients until each is delivered', async () => {
    const to = pair(0);
    expect((await cli('hold', ROUTE)).code).toBe(0);
    const since = new Date();
    firstId = queueId(await sendMail(mx.smtpPort, 'alice@sender.test', to, clientMessage(1, to[0]!)));
    firstWindow = { since, until: new Date(Date.now() + 1) };
    await waitFor('both copies indexed', async () => (await mx.composed.deps.index.find(firstId)).length === 2);
    const copies = await mx.composed.deps.index.find(firstId);
    expect(copies.map((c) => c.recipients).sort()).toEqual([[to[0]], [to[1]]]);
    expect(new Set(copies.map((c) => c.copy)).size).toBe(2);

    const mailq = await cli('mailq', '--json');
    const views = mailq.io.json<{ id: string; recipients: { address: string }[] }[]>().filter((v) => v.id === firstId);
    expect(views).toHaveLength(1); // one message, shown with every copy's recipients
    expect(views[0]!.recipients.map((r) => r.address).sort()).toEqual([...to].sort());

    expect((await cli('release', ROUTE, '--flush')).code).toBe(0);
    await waitFor('both recipients delivered', () => delivered(firstId, to), 15_000);
    // Two transactions, one per copy, each with its own recipient.
    expect(primary.messages.map((m) => m.to).sort()).toEqual([[to[0]], [to[1]]]);
    await waitFor('both copies done', async () => (await mx.composed.deps.index.listQueued(ROUTE)).length === 0);
  });

  it('dead-letters both copies on a 5xx primary, and one requeue restores both', async () => {
    const to = pair(1);
    primary.reset({ rcpt: Object.fromEntries(to.map((r) => [r, { code: 550, enhanced: '5.1.1', text: 'no such user' }])) });
    const id = queueId(await sendMail(mx.smtpPort, 'alice@sender.test', to, clientMessage(2, to[0]!)));
    await waitFor('both copies dead-lettered', async () => (await mx.composed.deps.deadLetters.find(id)).length === 2, 15_000);
    const dead = await mx.composed.deps.deadLetters.find(id);
    expect(dead.map((d) => mx.composed.deps.parse(d.notification).recipients).sort()).toEqual([[to[0]], [to[1]]]);
    await waitFor('nothing left queued', async () => (await mx.composed.deps.index.listQueued(ROUTE)).length === 0);

    const shown = await cli('show', id, '--json');
    const details = shown.io.json<{ recipients: { address: string; state: string }[]; deadLetter?: { detail: string } }[]>();
    expect(details).toHaveLength(1); // one message on one route, both copies' recipients
    expect(details[0]!.recipients.map((r) => r.address).sort()).toEqual([...to].sort());
    expect(details[0]!.recipients.map((r) => r.state)).toEqual(['bounced', 'bounced']); // bounced, kept as dead letters (no DSN)
    expect(details[0]!.deadLetter?.detail).toMatch(/550 5\.1\.1.*550 5\.1\.1/);

    primary.reset({});
    const requeued = await cli('requeue', id);
    expect(requeued.code).toBe(0);
    expect(requeued.io.text).toMatch(/-- 2 of 2 requeued/);
    expect(requeued.io.text).toMatch(/dead-letter queue: removed 2 copies of 1 message$/m); // each copy's own queue message
    expect(requeued.io.text).not.toMatch(/no copy of/);
    await waitFor('both requeued recipients delivered', () => delivered(id, to), 15_000);
    expect(primary.messages.map((m) => m.to).sort()).toEqual([[to[0]], [to[1]]]);
    expect(await mx.composed.deps.deadLetters.find(id)).toEqual([]);
  });

  it('replays both copies of a delivered message', async () => {
    primary.reset({});
    const replay = await cli('replay', '--route', ROUTE, '--since', firstWindow.since.toISOString(), '--until', firstWindow.until.toISOString(), '--yes', '--json');
    expect(replay.code).toBe(0);
    await primary.waitForMessages(2, 15_000);
    expect(primary.messages.map((m) => m.to).sort()).toEqual([[pair(0)[0]], [pair(0)[1]]]);
    expect((await mx.composed.archive.list(ROUTE, firstWindow.since, firstWindow.until)).map((e) => e.messageId)).toEqual([firstId, firstId]);
  });
});
