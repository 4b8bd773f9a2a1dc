// A route's synced recipient list: the body (one address a line, up to
// 20,000 addresses, several hundred KB to a few MB) in S3 under
// `recipient-lists/<route>/`, and a small pointer item `recipients#<route>` /
// `list` in the state table that names the body of the newest version.
//
// Why split: a DynamoDB item holds at most 400 KB, which 20,000 addresses
// pass. S3 has conditional writes (If-Match / If-None-Match) since 2024, but
// the local emulator (fauxqs) ignores them on PutObject, so a compare-and-swap
// on the object could not be tested here; DynamoDB's ConditionExpression is
// the same in dynalite and in AWS. So each version's body is written first
// under a key of its own (never overwritten), and the version is committed by
// a conditional update of the pointer: of two pushes on the same version, one
// commits and the other deletes its body and is told it lost. The pointer
// carries the body's SHA-256: a body that does not match it is not read.
//
// A body that is missing or does not match is not an error that blocks the
// deploy or every push: `read` says the version is unreadable (naming the key
// and why) and the writer keeps the route's rules (sync-recipients.ts). The
// push function may not delete objects, so a body it replaced or lost with
// stays behind; the rule writer prunes them (`prune`).
import { createHash, randomBytes } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DeleteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NewRecipientList, RecipientListStore, StoredRecipientList } from '../../core/recipients/ports.js';
import { RECIPIENT_LISTS_PREFIX } from '../../config/mail-layout.js';
import { RECIPIENTS_KEY_PREFIX } from '../../config/table-layout.js';
import { CONDITION_FAILED, httpStatusOf, isAwsError } from './aws-errors.js';
import { key } from './dynamo-keys.js';
import { S3MessageStore } from './s3-message-store.js';

/** The pointer item's sort key. */
export const RECIPIENT_LIST_ITEM = 'list';
/** A body removed between reading the pointer and reading the body (a newer push): read again this often. */
const READ_ATTEMPTS = 3;
/**
 * A body newer than the pointer's version may be a push in flight (written,
 * not yet committed); one older than this cannot be (Lambda runs 15 minutes
 * at most), so it lost or died and is pruned.
 */
export const IN_FLIGHT_BODY_MS = 15 * 60_000;
/** `recipient-lists/<route>/v<version>-<random>.txt`: the version a body was written for. */
const BODY_VERSION = /\/v(\d+)-[0-9a-f]+\.txt$/;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

interface Pointer {
  version: number;
  bodyKey: string;
  count: number;
  updatedAt: string;
  source: string;
  forced: boolean;
  appliedVersion?: number;
  appliedAt?: string;
  /** The shrink guard's high-water mark (core/recipients/sync-shrink.ts). */
  peakCount?: number;
  peakAt?: string;
  /** Hex SHA-256 of the body (absent on pointers written before it was added: not checked). */
  bodySha256?: string;
}

export class S3RecipientListStore implements RecipientListStore {
  /** Listing and deleting bodies: the message store's (ListObjectsV2 by pages, an idempotent delete). */
  private readonly objects: S3MessageStore;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly s3: S3Client,
    private readonly bucketName: string,
  ) {
    this.objects = new S3MessageStore(s3, bucketName);
  }

  async read(route: string): Promise<StoredRecipientList | undefined> {
    for (let attempt = 1; ; attempt += 1) {
      const pointer = await this.pointer(route);
      if (!pointer) return undefined;
      const text = await this.body(pointer.bodyKey);
      if (text === undefined && attempt < READ_ATTEMPTS) continue; // replaced meanwhile: the pointer names the newer body now
      const meta = {
        version: pointer.version,
        updatedAt: new Date(pointer.updatedAt),
        source: pointer.source,
        forced: pointer.forced,
        appliedVersion: pointer.appliedVersion ?? 0,
        ...(pointer.appliedAt ? { appliedAt: new Date(pointer.appliedAt) } : {}),
        ...(pointer.peakCount !== undefined && pointer.peakAt ? { peakCount: pointer.peakCount, peakAt: new Date(pointer.peakAt) } : {}),
      };
      const unreadable =
        text === undefined
          ? `version ${pointer.version}'s body ${pointer.bodyKey} is missing from the bucket`
          : pointer.bodySha256 !== undefined && sha256(text) !== pointer.bodySha256
            ? `version ${pointer.version}'s body ${pointer.bodyKey} does not match the SHA-256 its pointer names`
            : undefined;
      if (unreadable !== undefined) return { ...meta, addresses: [], unreadable: { key: pointer.bodyKey, reason: unreadable, count: pointer.count } };
      return { ...meta, addresses: text === '' ? [] : text!.split('\n') };
    }
  }

  async write(route: string, list: NewRecipientList, expectedVersion: number): Promise<boolean> {
    const previous = expectedVersion > 0 ? await this.pointer(route) : undefined;
    const version = expectedVersion + 1;
    const bodyKey = `${RECIPIENT_LISTS_PREFIX}${route}/v${version}-${randomBytes(6).toString('hex')}.txt`;
    const peak = list.peakCount !== undefined && list.peakAt ? { count: list.peakCount, at: list.peakAt.toISOString() } : undefined;
    const body = list.addresses.join('\n');
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucketName, Key: bodyKey, Body: body, ContentType: 'text/plain; charset=utf-8' }));
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(route),
          UpdateExpression:
            'SET #version = :version, bodyKey = :bodyKey, bodySha256 = :bodySha256, #count = :count, updatedAt = :updatedAt, #source = :source, forced = :forced' +
            (peak ? ', peakCount = :peakCount, peakAt = :peakAt' : ' REMOVE peakCount, peakAt'),
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(#version)' : '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version', '#count': 'count', '#source': 'source' },
          ExpressionAttributeValues: {
            ':version': version,
            ':bodyKey': bodyKey,
            ':bodySha256': sha256(body),
            ':count': list.addresses.length,
            ':updatedAt': list.updatedAt.toISOString(),
            ':source': list.source,
            ':forced': list.forced,
            ...(expectedVersion === 0 ? {} : { ':expected': expectedVersion }),
            ...(peak ? { ':peakCount': peak.count, ':peakAt': peak.at } : {}),
          },
        }),
      );
    } catch (error) {
      await this.deleteBody(bodyKey);
      if (isAwsError(error, CONDITION_FAILED)) return false;
      throw error;
    }
    // The replaced body is no longer named by the pointer; a reader that was
    // between the two reads tries again and finds this version.
    if (previous && previous.version === expectedVersion) await this.deleteBody(previous.bodyKey);
    return true;
  }

  async markApplied(route: string, version: number, at: Date): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(route),
          UpdateExpression: 'SET appliedVersion = :version, appliedAt = :at',
          ConditionExpression: 'attribute_exists(#version) AND (attribute_not_exists(appliedVersion) OR appliedVersion < :version)',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': version, ':at': at.toISOString() },
        }),
      );
    } catch (error) {
      if (!isAwsError(error, CONDITION_FAILED)) throw error; // a newer version was noted first
    }
  }

  async prune(route: string, appliedVersion: number, now: Date): Promise<number> {
    const pointer = await this.pointer(route);
    if (!pointer) return 0;
    let deleted = 0;
    for await (const body of this.routeBodies(route)) {
      if (body.key === pointer.bodyKey) continue;
      const superseded = body.version < appliedVersion;
      // Not the pointer's and written long ago: it lost its commit, or its push died (a listing without a date: kept).
      const abandoned = body.lastModified.getTime() > 0 && now.getTime() - body.lastModified.getTime() > IN_FLIGHT_BODY_MS;
      if (!superseded && !abandoned) continue;
      await this.objects.remove(body.key);
      deleted += 1;
    }
    return deleted;
  }

  async retire(route: string): Promise<number> {
    // The pointer first: from then on nothing names a body, so a reader finds no list (a push in
    // flight commits on version 0 again, or loses and deletes its body).
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: this.key(route) }));
    let deleted = 0;
    for await (const body of this.routeBodies(route)) {
      await this.objects.remove(body.key);
      deleted += 1;
    }
    return deleted;
  }

  /** The route's own list bodies (not `<route>-other/`'s, nor any other object under its prefix), with their versions. */
  private async *routeBodies(route: string): AsyncIterable<{ key: string; version: number; lastModified: Date }> {
    const prefix = `${RECIPIENT_LISTS_PREFIX}${route}/`;
    for await (const object of this.objects.list(prefix)) {
      const version = BODY_VERSION.exec(object.key)?.[1];
      if (version === undefined || object.key.slice(prefix.length).includes('/')) continue;
      yield { key: object.key, version: Number(version), lastModified: object.lastModified };
    }
  }

  private key(route: string) {
    return key(`${RECIPIENTS_KEY_PREFIX}${route}`, RECIPIENT_LIST_ITEM);
  }

  private async pointer(route: string): Promise<Pointer | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: this.key(route), ConsistentRead: true }));
    return out.Item as Pointer | undefined;
  }

  /** The body, or undefined when it is gone (404; 403 for a role without s3:ListBucket, which S3 answers for a missing key). */
  private async body(bodyKey: string): Promise<string | undefined> {
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucketName, Key: bodyKey }));
      return (await object.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      if (isAwsError(error, 'NoSuchKey', 'NotFound', 'AccessDenied') || httpStatusOf(error) === 404 || httpStatusOf(error) === 403) return undefined;
      throw error;
    }
  }

  private async deleteBody(bodyKey: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucketName, Key: bodyKey })).catch(() => undefined);
  }
}
