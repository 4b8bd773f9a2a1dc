// What every MessageStore must do; `put` seeds objects (the fake's and the S3
// adapter's, as the local SES stand-in uses it).
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { eachSubject, type MakeSubject } from './contract-subject.js';
import { MessageMissingError, type MessageStore } from '../../lambdas/core/message/ports.js';
import { uniqueId } from './contract-ids.js';

export type SeedableMessageStore = MessageStore & { put(key: string, bytes: Buffer | string): unknown };

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export function messageStoreContract(
  make: MakeSubject<SeedableMessageStore>,
): void {
  describe('MessageStore contract', () => {
    let subject: SeedableMessageStore;
    eachSubject(make, (made) => (subject = made));

    it('streams back exactly the bytes stored, with their size', async () => {
      const key = `inbound/${uniqueId('msg')}`;
      const raw = 'Return-Path: <a@example.org>\r\nSubject: hi\r\n\r\nbody line\r\n.\r\n';
      await subject.put(key, raw);
      const { body, size } = await subject.open(key);
      expect((await readAll(body)).toString('utf8')).toBe(raw);
      expect(size).toBe(Buffer.byteLength(raw));
    });

    it('keeps 8-bit, bare LF and every byte value unchanged', async () => {
      const key = `inbound/${uniqueId('bin')}`;
      const bytes = Buffer.concat([
        Buffer.from('Subject: =?utf-8?q?x?=\nbare LF\r\nJörg 例え\r\n', 'utf8'),
        Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      ]);
      await subject.put(key, bytes);
      const { body, size } = await subject.open(key);
      expect((await readAll(body)).equals(bytes)).toBe(true);
      expect(size).toBe(bytes.length);
    });

    it('throws MessageMissingError for a missing object', async () => {
      const key = `inbound/${uniqueId('gone')}`;
      const error = await subject.open(key).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MessageMissingError);
      expect((error as MessageMissingError).name).toBe('MessageMissingError');
      expect((error as MessageMissingError).key).toBe(key);
    });

    it('reports size, or undefined when the object does not exist', async () => {
      const key = `inbound/${uniqueId('size')}`;
      expect(await subject.size(key)).toBeUndefined();
      await subject.put(key, Buffer.alloc(1234, 0x41));
      expect(await subject.size(key)).toBe(1234);
    });

    it('removes objects, and removing a missing one succeeds', async () => {
      const key = `inbound/${uniqueId('rm')}`;
      await subject.put(key, 'x');
      await subject.remove(key);
      expect(await subject.size(key)).toBeUndefined();
      await expect(subject.open(key)).rejects.toBeInstanceOf(MessageMissingError);
      await expect(subject.remove(key)).resolves.toBeUndefined();
    });
  });
}
