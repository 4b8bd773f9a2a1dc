// MessageStore on S3. `open` hands back the GetObject body stream as is, so a
// 40 MB message flows from S3 to the SMTP socket without being held in memory.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { MessageMissingError, type MessageStore, type StoredObject } from '../../core/message/ports.js';
import { httpStatusOf, isAwsError } from './aws-errors.js';

/** Parts for large puts: above S3's 5 MiB minimum, below fauxqs's 11 MiB request cap. */
export const PART_SIZE_BYTES = 8 * 1024 * 1024;

export class S3MessageStore implements MessageStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucketName: string,
  ) {}

  async open(key: string): Promise<{ body: Readable; size: number }> {
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucketName, Key: key }));
      if (!(object.Body instanceof Readable)) throw new Error(`S3 returned no readable body for ${key}`);
      return { body: object.Body, size: object.ContentLength ?? 0 };
    } catch (error) {
      if (isMissing(error)) throw new MessageMissingError(key);
      throw error;
    }
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucketName, Key: key }));
      return head.ContentLength ?? 0;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** ListObjectsV2, 1,000 keys a page. */
  async *list(prefix: string): AsyncIterable<StoredObject> {
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucketName, Prefix: prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        if (object.Key) yield { key: object.Key, lastModified: object.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async remove(key: string): Promise<void> {
    // S3 answers 204 for a key that is already gone, which is what the port wants.
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucketName, Key: key }));
  }

  /**
   * Stores raw bytes, as SES's S3 action would (used by the local SES stand-in).
   * Streams are uploaded part by part, so at most one part is held in memory.
   */
  async put(key: string, body: Buffer | string | Readable): Promise<void> {
    if (typeof body === 'string') body = Buffer.from(body);
    if (Buffer.isBuffer(body) && body.length <= PART_SIZE_BYTES) {
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucketName, Key: key, Body: body }));
      return;
    }
    const parts = Buffer.isBuffer(body) ? sliceBuffer(body) : chunkStream(body);
    await this.putInParts(key, parts);
  }

  private async putInParts(key: string, parts: AsyncIterable<Buffer>): Promise<void> {
    const iterator = parts[Symbol.asyncIterator]();
    const first = await iterator.next();
    const second = first.done ? first : await iterator.next();
    if (second.done) {
      // Small enough for one request after all (a short stream).
      const bytes = first.done ? Buffer.alloc(0) : first.value;
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucketName, Key: key, Body: bytes }));
      return;
    }
    const upload = await this.s3.send(new CreateMultipartUploadCommand({ Bucket: this.bucketName, Key: key }));
    const uploadId = upload.UploadId;
    const done: { ETag: string | undefined; PartNumber: number }[] = [];
    try {
      const send = async (bytes: Buffer) => {
        const PartNumber = done.length + 1;
        const part = await this.s3.send(
          new UploadPartCommand({ Bucket: this.bucketName, Key: key, UploadId: uploadId, PartNumber, Body: bytes }),
        );
        done.push({ ETag: part.ETag, PartNumber });
      };
      await send(first.value as Buffer);
      await send(second.value);
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) await send(next.value);
      await this.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucketName,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: done },
        }),
      );
    } catch (error) {
      await this.s3
        .send(new AbortMultipartUploadCommand({ Bucket: this.bucketName, Key: key, UploadId: uploadId }))
        .catch(() => undefined);
      throw error;
    }
  }
}

function isMissing(error: unknown): boolean {
  return isAwsError(error, 'NoSuchKey', 'NotFound') || httpStatusOf(error) === 404;
}

async function* sliceBuffer(bytes: Buffer): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += PART_SIZE_BYTES) {
    yield bytes.subarray(offset, offset + PART_SIZE_BYTES);
  }
}

/** Regroups a stream's chunks into PART_SIZE_BYTES parts (the last may be shorter). */
async function* chunkStream(stream: Readable): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of stream) {
    let bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    while (pendingBytes + bytes.length >= PART_SIZE_BYTES) {
      const take = PART_SIZE_BYTES - pendingBytes;
      yield Buffer.concat([...pending, bytes.subarray(0, take)]);
      pending = [];
      pendingBytes = 0;
      bytes = bytes.subarray(take);
    }
    if (bytes.length > 0) {
      pending.push(bytes);
      pendingBytes += bytes.length;
    }
  }
  if (pendingBytes > 0 || pending.length > 0) yield Buffer.concat(pending);
}
