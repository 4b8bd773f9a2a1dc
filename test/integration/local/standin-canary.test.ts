// The SES stand-in with the canary's rule as the runner builds it
// (standInRoutes): the canary address alone is accepted in its subdomain,
// stored under mail/_canary/ and announced on the first route's topic; it is
// not spooled (nothing to deliver after a restart), while mail beside it is.
import { describe, expect, it } from 'vitest';
import { parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';
import type { Provisioned } from '../../../local/provision.js';
import { CANARY_STAND_IN_RULE, standInRoutes } from '../../../local/runner/local-settings.js';
import type { MailSpool, SpoolRecord } from '../../../local/snapshot.js';
import { SesStandIn } from '../../../local/ses-standin/ses-standin.js';
import { RecordingLineLogger, sendRaw } from '../../support/aws/standin-helpers.js';

const config = parseBackupMxConfig({
  region: 'us-east-1',
  routes: [
    { name: 'main', domains: ['example.com'], primary: { host: '127.0.0.1', port: 2525, tls: 'none' } },
    { name: 'other', domains: ['example.net'], primary: { host: '127.0.0.1', port: 2525, tls: 'none' } },
  ],
});
const provisioned = {
  bucketName: 'b',
  tableName: 't',
  deadLetterQueue: { name: 'dlq', url: 'u', arn: 'a' },
  routes: ['main', 'other'].map((name) => ({ name, topicArn: `arn:aws:sns:us-east-1:000000000000:${name}`, queue: { name, url: name, arn: name } })),
} satisfies Provisioned;

async function standIn() {
  const stored = new Map<string, Buffer>();
  const published: { topicArn: string; message: Record<string, any> }[] = [];
  const spooled: SpoolRecord[] = [];
  const spool = { save: async (record: SpoolRecord) => void spooled.push(record) } as unknown as MailSpool;
  const server = new SesStandIn({
    routes: standInRoutes(config, provisioned),
    region: 'us-east-1',
    bucketName: 'b',
    store: { put: async (key, body) => void stored.set(key, body) },
    publish: async (topicArn, message) => void published.push({ topicArn, message: JSON.parse(message) }),
    logger: new RecordingLineLogger(),
    spool,
    port: 0,
  });
  await server.start();
  return { server, stored, published, spooled };
}

describe('the SES stand-in and the canary rule', () => {
  it('is the runner\'s rule for the canary address alone, on the first route\'s topic, under mail/_canary/', () => {
    const rule = standInRoutes(config, provisioned).find((r) => r.name === CANARY_STAND_IN_RULE)!;
    expect(rule).toEqual({ name: '_canary', topicArn: provisioned.routes[0]!.topicArn, objectKeyPrefix: 'mail/_canary/', domains: [], recipients: ['canary@canary.example.com'], ephemeral: true });
    expect(standInRoutes({ ...config, canary: false }, provisioned).map((r) => r.name)).toEqual(['main', 'other']);
  });

  it('stores and announces a canary but does not spool it; mail to a route beside it is spooled', async () => {
    const { server, stored, published, spooled } = await standIn();
    try {
      await sendRaw(server.port, 'canary@canary.example.com', ['canary@canary.example.com'], 'Subject: backup-mx canary\r\n\r\nx\r\n');
      expect([...stored.keys()]).toEqual([expect.stringMatching(/^mail\/_canary\//)]);
      expect(published).toHaveLength(1);
      expect(published[0]!.topicArn).toBe(provisioned.routes[0]!.topicArn);
      expect(published[0]!.message.receipt).toMatchObject({ recipients: ['canary@canary.example.com'], action: { objectKeyPrefix: 'mail/_canary/' } });
      expect(spooled).toEqual([]);

      // One transaction to the canary and a real recipient: two rules, two copies; only the route's is spooled.
      await sendRaw(server.port, 'alice@sender.test', ['canary@canary.example.com', 'bob@example.com'], 'Subject: hi\r\n\r\nx\r\n');
      expect(published.slice(1).map((p) => p.message.receipt.recipients)).toEqual([['canary@canary.example.com'], ['bob@example.com']]);
      expect(spooled.map((r) => r.deliveries.map((d) => d.route))).toEqual([['main']]);
    } finally {
      await server.stop();
    }
  });
});
