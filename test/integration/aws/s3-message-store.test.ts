import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PART_SIZE_BYTES, S3MessageStore } from '../../../lambdas/adapters/aws/s3-message-store.js';
import { messageStoreContract } from '../../contracts/message-store.contract.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

let env: EmulatorEnv;
beforeAll(async () => {
  env = await startEmulatorEnv();
});
afterAll(async () => {
  await env?.stop();
});

const store = () => new S3MessageStore(env.clients.s3, env.resources.bucketName);

describe('S3MessageStore', () => {
  messageStoreContract(async () => ({ subject: store(), cleanup: async () => {} }));

  it('with the cached middleware stack, 40 concurrent reads of different keys each get their own bytes', async () => {
    expect((env.clients.s3.config as { cacheMiddleware?: boolean }).cacheMiddleware).toBe(true);
    const prefix = `mail/${env.unique()}/`;
    const bodies = Array.from({ length: 40 }, (_, i) => `message ${i} `.repeat(200 + i));
    await Promise.all(bodies.map((body, i) => store().put(`${prefix}m${i}`, body)));
    const read = await Promise.all(bodies.map(async (_, i) => {
      const { body, size } = await store().open(`${prefix}m${i}`);
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      return { text: Buffer.concat(chunks).toString(), size };
    }));
    read.forEach((r, i) => expect(r).toEqual({ text: bodies[i], size: Buffer.byteLength(bodies[i]!) }));
  });

  it('lists the objects under a prefix with their stored time, across pages of 1,000', async () => {
    const prefix = `mail/${env.unique()}/`;
    const before = Date.now() - 5_000;
    const keys = Array.from({ length: 1_003 }, (_, i) => `${prefix}m${String(i).padStart(4, '0')}`);
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((key) => store().put(key, 'x')));
    await store().put(`mail/${env.unique()}-other/m`, 'x');
    const listed = [];
    for await (const object of store().list(prefix)) listed.push(object);
    expect(listed.map((o) => o.key).sort()).toEqual(keys);
    for (const object of listed) expect(object.lastModified.getTime()).toBeGreaterThan(before);
  });

  const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  it('stores a message larger than one request by parts, and streams it back in many chunks', async () => {
    const bytes = Buffer.alloc(PART_SIZE_BYTES * 2 + 12_345);
    for (let i = 0; i < bytes.length; i += 4096) bytes.write(`line ${i}\r\n`, i);
    const key = `inbound/${env.unique()}`;
    await store().put(key, bytes);
    const { body, size } = await store().open(key);
    expect(size).toBe(bytes.length);
    const hash = createHash('sha256');
    let chunks = 0;
    for await (const chunk of body) {
      hash.update(chunk as Buffer);
      chunks += 1;
    }
    expect(hash.digest('hex')).toBe(sha(bytes));
    // A streamed body arrives in pieces; one chunk would mean it was buffered whole.
    expect(chunks).toBeGreaterThan(1);
  });

  it('stores a stream of unknown length', async () => {
    const pieces = Array.from({ length: 40 }, (_, i) => Buffer.alloc(256 * 1024, 65 + (i % 26)));
    const key = `inbound/${env.unique()}`;
    await store().put(key, Readable.from(pieces));
    expect(await store().size(key)).toBe(40 * 256 * 1024);
    const small = `inbound/${env.unique()}`;
    await store().put(small, Readable.from([Buffer.from('tiny')]));
    const { body } = await store().open(small);
    expect(Buffer.concat(await body.toArray()).toString()).toBe('tiny');
  });
});
