// What every ForwardRecords must do: keep each forward of a message (when, to
// whom, what it was sent as, by whom), list a message's forwards oldest first
// and only its own, and forget one route's forwards of a message on delete.
import { describe, expect, it } from 'vitest';
import type { ForwardRecord, ForwardRecords } from '../../lambdas/core/operator/forward-records.js';
import { uniqueId } from './contract-ids.js';
import { eachSubject, type MakeSubject } from './contract-subject.js';

export function forwardRecordsContract(make: MakeSubject<ForwardRecords>): void {
  describe('ForwardRecords contract', () => {
    let records: ForwardRecords;
    eachSubject(make, (made) => (records = made));

    const forward = (messageId: string, minute: number, extra: Partial<ForwardRecord> = {}): ForwardRecord => ({
      messageId,
      route: 'main',
      at: new Date(Date.UTC(2026, 0, 5, 10, minute)),
      to: 'ceo@elsewhere.example',
      sentAs: `0100018c-${minute}`,
      by: 'alice',
      ...extra,
    });

    it('lists a message\'s forwards oldest first, each as it was added, and none of another message\'s', async () => {
      const id = uniqueId('m');
      const other = uniqueId('m');
      await records.add(forward(id, 7, { to: 'cfo@elsewhere.example' }));
      await records.add(forward(id, 3));
      await records.add(forward(other, 1));
      expect(await records.list(id)).toEqual([forward(id, 3), forward(id, 7, { to: 'cfo@elsewhere.example' })]);
      expect(await records.list(uniqueId('m'))).toEqual([]);
    });

    it('a forward the way out said nothing about has no sentAs', async () => {
      const id = uniqueId('m');
      const { sentAs: _none, ...unsaid } = forward(id, 1);
      await records.add(unsaid);
      const [listed] = await records.list(id);
      expect(listed).toEqual(unsaid);
      expect(listed).not.toHaveProperty('sentAs');
    });

    it('two forwards at the same time to two addresses are two records', async () => {
      const id = uniqueId('m');
      await records.add(forward(id, 1, { to: 'a@elsewhere.example' }));
      await records.add(forward(id, 1, { to: 'b@elsewhere.example' }));
      expect((await records.list(id)).map((r) => r.to).sort()).toEqual(['a@elsewhere.example', 'b@elsewhere.example']);
    });

    it('remove forgets the route\'s forwards of the message and keeps its other route\'s and other messages\'', async () => {
      const id = uniqueId('m');
      const other = uniqueId('m');
      await records.add(forward(id, 1));
      await records.add(forward(id, 2));
      await records.add(forward(id, 3, { route: 'other' }));
      await records.add(forward(other, 1));
      expect(await records.remove(id, 'main')).toBe(2);
      expect((await records.list(id)).map((r) => r.route)).toEqual(['other']);
      expect(await records.list(other)).toHaveLength(1);
      expect(await records.remove(id, 'main')).toBe(0);
    });
  });
}
