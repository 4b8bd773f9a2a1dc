// `forward` and `show` on the operator's use cases (the fakes): a forward
// whose record could not be written exits 0 with a warning (never "failed"
// for a mail that went), show lists the forwards under the attempts, and a
// dead letter whose summary reads done is shown as a dead letter.
import { describe, expect, it } from 'vitest';
import { RecordingIo } from '../../../../cli/cli-io.js';
import { deleteCommand } from '../../../../cli/commands/delete.js';
import { forwardCommand } from '../../../../cli/commands/forward.js';
import { showCommand } from '../../../../cli/commands/show.js';
import { EXIT } from '../../../../cli/errors.js';
import type { Target } from '../../../../cli/target.js';
import { queuedSummary } from '../../../../lambdas/core/accept/queued-summary.js';
import { operatorWorld } from '../../../support/world/operator-world.js';

function targetOf(w: ReturnType<typeof operatorWorld>): Target {
  return { kind: 'aws', label: 'stack test', region: 'eu-west-1', settings: { routes: w.deps.routes }, operator: w.operator, log: {}, close() {} } as unknown as Target;
}

describe('backup-mx forward', () => {
  it('prints the forward, and records it under the CLI user (or the `by` a caller such as the console gives)', async () => {
    const w = operatorWorld();
    const id = await w.queued();
    const io = new RecordingIo();
    expect(await forwardCommand(targetOf(w), id, { to: 'ceo@elsewhere.example', by: 'alice' }, io)).toBe(EXIT.ok);
    expect(io.stdout.join('\n')).toContain(`message ${id} (route main) forwarded to <ceo@elsewhere.example> through SES`);
    expect(io.stderr).toEqual([]);
    expect(await w.forwardRecords.list(id)).toEqual([expect.objectContaining({ to: 'ceo@elsewhere.example', by: 'alice', sentAs: 'sent-1', route: 'main' })]);
    await forwardCommand(targetOf(w), id, { to: 'cfo@elsewhere.example' }, new RecordingIo());
    expect((await w.forwardRecords.list(id))[1]!.by).not.toBe('');
  });

  it('a record that cannot be written after the send: exit 0, "forwarded", and a warning on stderr', async () => {
    const w = operatorWorld();
    const id = await w.queued();
    w.forwardRecords.failNextAdd = new Error('AccessDeniedException: not allowed');
    const io = new RecordingIo();
    expect(await forwardCommand(targetOf(w), id, { to: 'ceo@elsewhere.example' }, io)).toBe(EXIT.ok);
    expect(io.stdout.join('\n')).toContain('forwarded to <ceo@elsewhere.example>');
    expect(io.stderr.join('\n')).toMatch(/^warning: the forward was sent, but `show` will not list it: its record could not be written \(AccessDeniedException: not allowed\)$/);
    expect(w.forwards).toHaveLength(1);
  });
});

describe('backup-mx show', () => {
  it('lists the forwards under the attempts: time, address, by, sent as', async () => {
    const w = operatorWorld();
    const id = await w.queued();
    const before = new RecordingIo();
    await showCommand(targetOf(w), id, {}, before);
    expect(before.stdout.join('\n')).not.toContain('forwards');
    await forwardCommand(targetOf(w), id, { to: 'ceo@elsewhere.example', by: 'alice' }, new RecordingIo());
    const io = new RecordingIo();
    expect(await showCommand(targetOf(w), id, {}, io)).toBe(EXIT.ok);
    const lines = io.stdout;
    const at = lines.indexOf('  forwards');
    expect(at).toBeGreaterThan(lines.findIndex((l) => l.includes('attempts')));
    expect(lines[at + 1]).toMatch(/^ {4}TIME +TO +BY +SENT AS$/);
    expect(lines[at + 2]).toMatch(new RegExp(`^ {4}${w.h.clock.now().toISOString().replace(/\./g, '\\.')} +<ceo@elsewhere\\.example> +alice +sent-1$`));
  });

  it('a dead letter whose summary reads done is shown (and listed by delete) as a dead letter', async () => {
    const w = operatorWorld();
    const record = await w.deadLettered();
    const message = w.h.parse(record.notification);
    await w.h.index.add(queuedSummary(message, 'main', { size: 100 }));
    await w.h.index.markDone(message.messageId, 'main', w.h.clock.now(), record.copy);
    expect((await w.operator.show(record.messageId))[0]!.state).toBe('done');
    const io = new RecordingIo();
    await showCommand(targetOf(w), record.messageId, {}, io);
    expect(io.stdout[0]).toBe(`Message ${record.messageId}  (route main, dead letter)`);
    const del = new RecordingIo();
    await deleteCommand(targetOf(w), record.messageId, { dryRun: true }, del);
    expect(del.stdout[0]).toContain(`${record.messageId} on route main (dead letter): from`);
  });
});
