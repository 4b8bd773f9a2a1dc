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
// commits and the other deletes its body and is told it lost.
import { randomBytes } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NewRecipientList, RecipientListStore, StoredRecipientList } from '../../core/recipients/ports.js';
import { RECIPIENT_LISTS_PREFIX } from '../../config/mail-layout.js';
import { RECIPIENTS_KEY_PREFIX } from '../../config/table-layout.js';
import { CONDITION_FAILED, httpStatusOf, isAwsError } from './aws-errors.js';
import { key } from './dynamo-keys.js';

/** The pointer item's sort key. */
export const RECIPIENT_LIST_ITEM = 'list';
/** A body removed between reading the pointer and reading the body (a newer push): read again this often. */
const READ_ATTEMPTS = 3;

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
}

export class S3RecipientListStore implements RecipientListStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly s3: S3Client,
    private readonly bucketName: string,
  ) {}

  async read(route: string): Promise<StoredRecipientList | undefined> {
    for (let attempt = 1; ; attempt += 1) {
      const pointer = await this.pointer(route);
      if (!pointer) return undefined;
      const text = await this.body(pointer.bodyKey);
      if (text === undefined) {
        if (attempt < READ_ATTEMPTS) continue; // replaced meanwhile: the pointer names the newer body now
        throw new Error(`recipient list of route "${route}": version ${pointer.version}'s body ${pointer.bodyKey} is missing from the bucket`);
      }
      const addresses = text === '' ? [] : text.split('\n');
      return {
        version: pointer.version,
        addresses,
        updatedAt: new Date(pointer.updatedAt),
        source: pointer.source,
        forced: pointer.forced,
        appliedVersion: pointer.appliedVersion ?? 0,
        ...(pointer.appliedAt ? { appliedAt: new Date(pointer.appliedAt) } : {}),
        ...(pointer.peakCount !== undefined && pointer.peakAt ? { peakCount: pointer.peakCount, peakAt: new Date(pointer.peakAt) } : {}),
      };
    }
  }

  async write(route: string, list: NewRecipientList, expectedVersion: number): Promise<boolean> {
    const previous = expectedVersion > 0 ? await this.pointer(route) : undefined;
    const version = expectedVersion + 1;
    const bodyKey = `${RECIPIENT_LISTS_PREFIX}${route}/v${version}-${randomBytes(6).toString('hex')}.txt`;
    const peak = list.peakCount !== undefined && list.peakAt ? { count: list.peakCount, at: list.peakAt.toISOString() } : undefined;
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucketName, Key: bodyKey, Body: list.addresses.join('\n'), ContentType: 'text/plain; charset=utf-8' }));
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(route),
          UpdateExpression:
            'SET #version = :version, bodyKey = :bodyKey, #count = :count, updatedAt = :updatedAt, #source = :source, forced = :forced' +
            (peak ? ', peakCount = :peakCount, peakAt = :peakAt' : ' REMOVE peakCount, peakAt'),
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(#version)' : '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version', '#count': 'count', '#source': 'source' },
          ExpressionAttributeValues: {
            ':version': version,
            ':bodyKey': bodyKey,
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

  private key(route: string) {
    return key(`${RECIPIENTS_KEY_PREFIX}${route}`, RECIPIENT_LIST_ITEM);
  }

  private async pointer(route: string): Promise<Pointer | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: this.key(route), ConsistentRead: true }));
    return out.Item as Pointer | undefined;
  }

  private async body(bodyKey: string): Promise<string | undefined> {
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucketName, Key: bodyKey }));
      return (await object.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      if (isAwsError(error, 'NoSuchKey', 'NotFound') || httpStatusOf(error) === 404) return undefined;
      throw error;
    }
  }

  private async deleteBody(bodyKey: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucketName, Key: bodyKey })).catch(() => undefined);
  }
}
