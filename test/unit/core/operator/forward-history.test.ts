// A forward in the message's history: each forward is recorded (when, to whom,
// what it was sent as, by whom), show lists it with the attempts on the route
// it was forwarded from, delete removes it with the ledger rows, and a record
// that cannot be written after the send leaves the forward sent, with a
// warning. A dead letter whose summary reads "done" is still a dead letter.
import { describe, expect, it } from 'vitest';
import { queuedSummary } from '../../../../lambdas/core/accept/queued-summary.js';
import { detailState, isDeadLetter } from '../../../../lambdas/core/operator/message-details.js';
import { operatorWorld } from '../../../support/world/operator-world.js';

describe('forward in the message history', () => {
  it('records each forward (time, address, what it was sent as, by whom) and show lists them on the route, oldest first', async () => {
    const w = operatorWorld();
    const id = await w.queued({ subject: 'Contract' });
    const [detail] = await w.operator.show(id);
    expect(detail!.forwards).toEqual([]);
    const firstAt = w.h.clock.now().toISOString();
    const first = await w.operator.forward.forward(detail!, 'ceo@elsewhere.example', 'alice');
    w.h.clock.advance(60);
    await w.operator.forward.forward(detail!, 'cfo@elsewhere.example');
    expect(first).toMatchObject({ sentAs: 'sent-1' });
    expect(first).not.toHaveProperty('notRecorded');
    const [after] = await w.operator.show(id);
    expect(after!.forwards).toEqual([
      { at: firstAt, to: 'ceo@elsewhere.example', sentAs: 'sent-1', by: 'alice' },
      { at: w.h.clock.now().toISOString(), to: 'cfo@elsewhere.example', sentAs: 'sent-2', by: 'an operator' },
    ]);
    // The forward changes nothing of the message itself.
    expect(after!.state).toBe('queued');
    expect(after!.attempts).toEqual([]);
  });

  it('show lists a route\'s forwards only on that route\'s copy', async () => {
    const w = operatorWorld();
    const id = await w.queued();
    await w.forwardRecords.add({ messageId: id, route: 'elsewhere', at: w.h.clock.now(), to: 'x@elsewhere.example', by: 'bob' });
    expect((await w.operator.show(id, 'main'))[0]!.forwards).toEqual([]);
  });

  it('a record that cannot be written after the send: the forward is reported sent, with why it is not recorded, and a warning is logged', async () => {
    const w = operatorWorld();
    const id = await w.queued();
    const [detail] = await w.operator.show(id);
    w.forwardRecords.failNextAdd = new Error('ProvisionedThroughputExceededException');
    const done = await w.operator.forward.forward(detail!, 'ceo@elsewhere.example');
    expect(w.forwards).toHaveLength(1);
    expect(done).toMatchObject({ to: 'ceo@elsewhere.example', sentAs: 'sent-1', notRecorded: 'ProvisionedThroughputExceededException' });
    expect(w.h.log.lines).toContainEqual(expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ messageId: id, to: 'ceo@elsewhere.example' }) }));
    expect((await w.operator.show(id))[0]!.forwards).toEqual([]);
  });

  it('delete of a dead letter removes its forwards with its ledger rows', async () => {
    const w = operatorWorld();
    const record = await w.deadLettered();
    const [detail] = await w.operator.show(record.messageId);
    await w.operator.forward.forward(detail!, 'ceo@elsewhere.example');
    expect(await w.forwardRecords.list(record.messageId)).toHaveLength(1);
    const deleted = await w.operator.delete.delete(detail!);
    expect(deleted.ledgerPurged).toBe(true);
    expect(await w.forwardRecords.list(record.messageId)).toEqual([]);
  });
});

describe('the state of a dead letter', () => {
  it('a dead letter whose summary was marked done reads "done" in state, and isDeadLetter / detailState say dead letter', async () => {
    const w = operatorWorld();
    const record = await w.deadLettered();
    // As a drain leaves it: every recipient final, the index's summary marked done beside the dead-letter record.
    const message = w.h.parse(record.notification);
    await w.h.index.add(queuedSummary(message, 'main', { size: 100 }));
    await w.h.index.markDone(message.messageId, 'main', w.h.clock.now(), record.copy);
    const [detail] = await w.operator.show(record.messageId);
    expect(detail!.state).toBe('done');
    expect(isDeadLetter(detail!)).toBe(true);
    expect(detailState(detail!)).toBe('dead letter');
    expect(detailState({ state: 'done' })).toBe('done');
    expect(detailState({ state: 'dead-letter' })).toBe('dead letter');
  });
});
