// The SES stand-in across a SIGHUP reload (SesStandIn.useRoutes): new
// transactions follow the new routes, and a transaction whose RCPT TO was
// accepted before the reload is stored and announced on the route that
// accepted it, even when the reload removed that route: a 250 never loses a
// recipient.
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';
import type { Provisioned } from '../../../local/provision.js';
import { standInRoutes } from '../../../local/runner/local-settings.js';
import { SesStandIn } from '../../../local/ses-standin/ses-standin.js';
import { RecordingLineLogger, sendRaw } from '../../support/aws/standin-helpers.js';

const route = (name: string, domain: string) => ({ name, domains: [domain], primary: { host: '127.0.0.1', port: 2525, tls: 'none' } });
const configWith = (...routes: ReturnType<typeof route>[]) => parseBackupMxConfig({ region: 'us-east-1', canary: false, routes });
const provisioned = {
  bucketName: 'b',
  tableName: 't',
  deadLetterQueue: { name: 'dlq', url: 'u', arn: 'a' },
  routes: ['main', 'other'].map((name) => ({ name, topicArn: `arn:aws:sns:us-east-1:000000000000:${name}`, queue: { name, url: name, arn: name } })),
} satisfies Provisioned;

/** A line-at-a-time SMTP client: each call sends one command and resolves with the reply's code. */
function dialog(socket: Socket) {
  let buffer = '';
  const waiting: ((code: number) => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    let end: number;
    while ((end = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (/^\d{3} /.test(line)) waiting.shift()?.(Number(line.slice(0, 3)));
    }
  });
  const reply = () => new Promise<number>((resolve) => waiting.push(resolve));
  return { greeting: reply(), send: (text: string) => (socket.write(`${text}\r\n`), reply()) };
}

describe('the SES stand-in reloaded', () => {
  it('routes new transactions by the new routes and keeps a recipient accepted before the reload', async () => {
    const published: { topicArn: string; recipients: string[] }[] = [];
    const server = new SesStandIn({
      routes: standInRoutes(configWith(route('main', 'example.com')), provisioned),
      region: 'us-east-1',
      bucketName: 'b',
      store: { put: async () => undefined },
      publish: async (topicArn, message) => void published.push({ topicArn, recipients: JSON.parse(message).receipt.recipients }),
      logger: new RecordingLineLogger(),
      port: 0,
    });
    await server.start();
    const socket = connect(server.port, '127.0.0.1');
    try {
      const smtp = dialog(socket);
      expect(await smtp.greeting).toBe(220);
      expect(await smtp.send('EHLO client.test')).toBe(250);
      expect(await smtp.send('MAIL FROM:<alice@sender.test>')).toBe(250);
      expect(await smtp.send('RCPT TO:<bob@example.com>')).toBe(250);

      // The reload removes "main" and adds "other" while this transaction is open.
      server.useRoutes(standInRoutes(configWith(route('other', 'example.net')), provisioned));
      expect(await smtp.send('DATA')).toBe(354);
      expect(await smtp.send('Subject: before the reload\r\n\r\nx\r\n.')).toBe(250);
      expect(published).toEqual([{ topicArn: provisioned.routes[0]!.topicArn, recipients: ['bob@example.com'] }]);

      // The next transaction, even on the same connection, follows the new routes.
      expect(await smtp.send('MAIL FROM:<alice@sender.test>')).toBe(250);
      expect(await smtp.send('RCPT TO:<bob@example.com>')).toBe(550);
      await smtp.send('QUIT');
      await sendRaw(server.port, 'alice@sender.test', ['carol@example.net'], 'Subject: after\r\n\r\nx\r\n');
      expect(published[1]).toEqual({ topicArn: provisioned.routes[1]!.topicArn, recipients: ['carol@example.net'] });
    } finally {
      socket.destroy();
      await server.stop();
    }
  });
});

describe('the SES stand-in with a synced route, reloaded', () => {
  it('keeps the pushed list across a reload (the seed comes back only for a route that stops syncing)', async () => {
    const synced = { ...route('main', 'example.com'), recipients: ['seed@example.com'], recipientSync: {} };
    const server = new SesStandIn({
      routes: standInRoutes(parseBackupMxConfig({ region: 'us-east-1', canary: false, routes: [synced] }), provisioned),
      region: 'us-east-1',
      bucketName: 'b',
      store: { put: async () => undefined },
      publish: async () => undefined,
      logger: new RecordingLineLogger(),
      port: 0,
      syncedLists: { read: async () => ({ version: 1, addresses: ['pushed@example.com'] }), intervalMs: 60_000 },
    });
    await server.start();
    const rcpt = async (to: string) => {
      const socket = connect(server.port, '127.0.0.1');
      try {
        const smtp = dialog(socket);
        await smtp.greeting;
        await smtp.send('EHLO client.test');
        await smtp.send('MAIL FROM:<alice@sender.test>');
        return await smtp.send(`RCPT TO:<${to}>`);
      } finally {
        socket.destroy();
      }
    };
    try {
      expect([await rcpt('pushed@example.com'), await rcpt('seed@example.com')]).toEqual([250, 550]);
      server.useRoutes(standInRoutes(parseBackupMxConfig({ region: 'us-east-1', canary: false, routes: [synced] }), provisioned));
      expect([await rcpt('pushed@example.com'), await rcpt('seed@example.com')]).toEqual([250, 550]);
      const { recipientSync: _dropped, ...unsynced } = synced;
      server.useRoutes(standInRoutes(parseBackupMxConfig({ region: 'us-east-1', canary: false, routes: [unsynced] }), provisioned));
      expect([await rcpt('pushed@example.com'), await rcpt('seed@example.com')]).toEqual([550, 250]);
    } finally {
      await server.stop();
    }
  });
});
