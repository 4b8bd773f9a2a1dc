// Child process: local AWS as the runner connects to it (connectLocalAws: the
// embedded emulators, fauxqs + dynalite, on a thread of their own) with one
// route provisioned by the runner's provisioning, plus a command to store a
// large synthetic message without the relay process ever holding it.
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { connectLocalAws, type LocalAwsConnection } from '../local/runner/local-aws.js';
import { serveChild } from './child-process.js';

let aws: LocalAwsConnection | undefined;
const PART_BYTES = 8 * 1024 * 1024;

serveChild({
  async start(args: { routes: string[] }) {
    // The emulators sign and build ARNs in us-east-1; no endpoint, so no environment is read.
    aws = await connectLocalAws({ region: 'us-east-1', env: {} });
    const resources = await aws.provision({
      bucketName: 'backupmx-bench',
      tableName: 'backupmx-bench',
      deadLetterQueueName: 'backupmx-bench-dlq',
      routes: args.routes.map((name) => ({ name })),
      namePrefix: 'backupmx-bench-',
    });
    return { clientConfig: aws.clientConfig, resources };
  },
  /**
   * Writes `head` followed by `bodyBytes` of 76-character lines. fauxqs takes at
   * most 11 MiB per request, so the object goes up in 8 MiB multipart parts.
   */
  async putLargeMessage(args: { bucket: string; key: string; head: string; bodyBytes: number }) {
    const { s3 } = aws!.clients;
    const line = Buffer.from(`${'0123456789'.repeat(7)}abcdef\r\n`);
    const content = Buffer.concat([Buffer.from(args.head), Buffer.alloc(Math.ceil(args.bodyBytes / line.length) * line.length)]);
    for (let at = Buffer.byteLength(args.head); at < content.length; at += line.length) line.copy(content, at);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: args.bucket, Key: args.key }));
    const parts: { ETag?: string; PartNumber: number }[] = [];
    for (let offset = 0, n = 1; offset < content.length; offset += PART_BYTES, n++) {
      const { ETag } = await s3.send(
        new UploadPartCommand({ Bucket: args.bucket, Key: args.key, UploadId, PartNumber: n, Body: content.subarray(offset, offset + PART_BYTES) }),
      );
      parts.push({ ETag, PartNumber: n });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: args.bucket, Key: args.key, UploadId, MultipartUpload: { Parts: parts } }));
    return { size: content.length };
  },
  async exit() {
    await aws?.close();
  },
});
