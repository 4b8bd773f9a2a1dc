// Child process: the embedded emulators (fauxqs + dynalite) with one route
// provisioned, plus a command to store a large synthetic message without the
// relay process ever holding it.
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { createAwsClients } from '../lambdas/adapters/aws/clients.js';
import { startEmulators, type Emulators } from '../local/emulators.js';
import { provision } from '../local/provision.js';
import { serveChild } from './child-process.js';

let emulators: Emulators | undefined;
const PART_BYTES = 8 * 1024 * 1024;

serveChild({
  async start(args: { routes: string[] }) {
    emulators = await startEmulators();
    const clients = createAwsClients(emulators.clientConfig);
    const resources = await provision(clients, {
      bucketName: 'backupmx-bench',
      tableName: 'backupmx-bench',
      deadLetterQueueName: 'backupmx-bench-dlq',
      routes: args.routes.map((name) => ({ name })),
      namePrefix: 'backupmx-bench-',
    });
    clients.destroy();
    return { clientConfig: emulators.clientConfig, resources };
  },
  /**
   * Writes `head` followed by `bodyBytes` of 76-character lines. fauxqs takes at
   * most 11 MiB per request, so the object goes up in 8 MiB multipart parts.
   */
  async putLargeMessage(args: { bucket: string; key: string; head: string; bodyBytes: number }) {
    const clients = createAwsClients(emulators!.clientConfig);
    const line = Buffer.from(`${'0123456789'.repeat(7)}abcdef\r\n`);
    const content = Buffer.concat([Buffer.from(args.head), Buffer.alloc(Math.ceil(args.bodyBytes / line.length) * line.length)]);
    for (let at = Buffer.byteLength(args.head); at < content.length; at += line.length) line.copy(content, at);
    const { UploadId } = await clients.s3.send(new CreateMultipartUploadCommand({ Bucket: args.bucket, Key: args.key }));
    const parts: { ETag?: string; PartNumber: number }[] = [];
    for (let offset = 0, n = 1; offset < content.length; offset += PART_BYTES, n++) {
      const { ETag } = await clients.s3.send(
        new UploadPartCommand({ Bucket: args.bucket, Key: args.key, UploadId, PartNumber: n, Body: content.subarray(offset, offset + PART_BYTES) }),
      );
      parts.push({ ETag, PartNumber: n });
    }
    await clients.s3.send(new CompleteMultipartUploadCommand({ Bucket: args.bucket, Key: args.key, UploadId, MultipartUpload: { Parts: parts } }));
    clients.destroy();
    return { size: content.length };
  },
  async exit() {
    await emulators?.stop();
  },
});
