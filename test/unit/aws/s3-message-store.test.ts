import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { PART_SIZE_BYTES, S3MessageStore } from '../../../lambdas/adapters/aws/s3-message-store.js';
import { MessageMissingError } from '../../../lambdas/core/message/ports.js';

const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

const store = () => new S3MessageStore(new S3Client({ region: 'us-east-1' }), 'mail');
const slowDown = () =>
  new S3ServiceException({ name: 'SlowDown', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'Please reduce your request rate.' });

describe('S3MessageStore error paths', () => {
  it('turns NoSuchKey into MessageMissingError', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
    const error = await store().open('inbound/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageMissingError);
    expect((error as MessageMissingError).key).toBe('inbound/x');
  });

  it('treats a bare 404 (no error code, as HEAD gives) as missing', async () => {
    s3.on(HeadObjectCommand).rejects(new NotFound({ message: 'NotFound', $metadata: { httpStatusCode: 404 } }));
    expect(await store().size('inbound/x')).toBeUndefined();
    const bare = Object.assign(new Error('UnknownError'), { $metadata: { httpStatusCode: 404 } });
    s3.on(GetObjectCommand).rejects(bare);
    await expect(store().open('inbound/x')).rejects.toBeInstanceOf(MessageMissingError);
  });

  it('lets throttling and access errors through unchanged, so the drain leaves the message queued', async () => {
    s3.on(GetObjectCommand).rejects(slowDown());
    s3.on(HeadObjectCommand).rejects(slowDown());
    const error = await store().open('inbound/x').catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(MessageMissingError);
    expect((error as Error).name).toBe('SlowDown');
    await expect(store().size('inbound/x')).rejects.toMatchObject({ name: 'SlowDown' });

    const denied = new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' });
    s3.on(GetObjectCommand).rejects(denied);
    await expect(store().open('inbound/x')).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('aborts a multipart upload that fails half way', async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
    s3.on(UploadPartCommand).resolvesOnce({ ETag: '"1"' }).rejects(slowDown());
    s3.on(AbortMultipartUploadCommand).resolves({});
    await expect(store().put('inbound/big', Buffer.alloc(PART_SIZE_BYTES * 2 + 1))).rejects.toMatchObject({ name: 'SlowDown' });
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0]!.args[0].input).toMatchObject({ UploadId: 'up-1', Key: 'inbound/big' });
  });
});
