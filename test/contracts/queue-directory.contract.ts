// What every QueueDirectory must do. The subject comes with a way to make and
// delete queues (by name, with visible messages) where it lists them.
import { describe, expect, it } from 'vitest';
import type { QueueDirectory } from '../../lambdas/core/sweep/ports.js';
import { queueNameOf } from '../../lambdas/core/sweep/find-orphaned-queues.js';
import { STACK_TAG } from '../../lambdas/core/sweep/queue-owner.js';
import { eachSubject, type MakeSubject } from './contract-subject.js';
import { uniqueId } from './contract-ids.js';

export interface QueueDirectorySubject {
  directory: QueueDirectory;
  /** Makes the queue (with `tags`) and puts `messages` visible messages on it; returns its URL. */
  create(name: string, messages: number, tags?: Record<string, string>): Promise<string>;
  remove(url: string): Promise<void>;
}

async function listAll(directory: QueueDirectory, prefix: string): Promise<string[]> {
  const urls: string[] = [];
  for await (const url of directory.list(prefix)) urls.push(url);
  return urls;
}

export function queueDirectoryContract(make: MakeSubject<QueueDirectorySubject>): void {
  describe('QueueDirectory contract', () => {
    let subject: QueueDirectorySubject;
    eachSubject(make, (made) => (subject = made));

    it('lists the queues whose name starts with the prefix, and no others', async () => {
      const stack = uniqueId('Stack');
      const a = await subject.create(`${stack}-QueueA-1`, 0);
      const b = await subject.create(`${stack}-QueueB-2`, 0);
      await subject.create(`${stack}Other-QueueA-1`, 0);
      const urls = await listAll(subject.directory, `${stack}-`);
      expect(urls.map(queueNameOf).sort()).toEqual([queueNameOf(a), queueNameOf(b)].sort());
      expect(await listAll(subject.directory, `${uniqueId('Nobody')}-`)).toEqual([]);
    });

    it('counts the messages a queue holds', async () => {
      const url = await subject.create(`${uniqueId('Stack')}-Queue-1`, 3);
      expect(await subject.directory.depth(url)).toEqual({ visible: 3, inFlight: 0, delayed: 0 });
    });

    it('answers undefined for a queue that no longer exists', async () => {
      const url = await subject.create(`${uniqueId('Stack')}-Queue-1`, 1);
      await subject.remove(url);
      expect(await subject.directory.depth(url)).toBeUndefined();
      expect(await subject.directory.tags(url)).toBeUndefined();
    });

    it('reads the tags a queue carries (the stack\'s one among them), and none of an untagged queue', async () => {
      const stack = uniqueId('Stack');
      const tagged = await subject.create(`${stack}-Queue-1`, 0, { [STACK_TAG]: stack, team: 'mail' });
      const untagged = await subject.create(`${stack}-Queue-2`, 0);
      expect(await subject.directory.tags(tagged)).toEqual({ [STACK_TAG]: stack, team: 'mail' });
      expect(await subject.directory.tags(untagged)).toEqual({});
    });
  });
}
